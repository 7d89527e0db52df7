"""Moodle XML and Canvas QTI 1.2 exports parse as XML and have the expected structure."""
from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from grader.cli.exam import exam
from grader.exam.bank import BANK
from grader.exam.blueprint import load_blueprint
from grader.exam.export import export_pools, moodle_xml, qti_assessment, write_moodle_xml, write_qti_zip

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = ROOT / "samples" / "exam" / "blueprint.yaml"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def test_pools_are_deterministic_and_hold_distinct_variants():
    a = export_pools(None, 3, 4)
    b = export_pools(None, 3, 4)
    assert [[v.to_dict() for v in p.variants] for p in a] == [[v.to_dict() for v in p.variants] for p in b]
    assert len(a) == len(BANK)
    for pool in a:
        prompts = [repr((v.prompt, v.given, v.choices, v.answer)) for v in pool.variants]
        assert len(prompts) == len(set(prompts)) >= 1
    numeric = [p for p in a if p.question.kind == "numeric"]
    assert all(len(p.variants) == 4 for p in numeric)


def test_moodle_xml_structure(tmp_path):
    pools = export_pools(load_blueprint(BLUEPRINT), 1, 3)
    path = write_moodle_xml(pools, "Deep RNN exam", tmp_path / "moodle.xml")
    root = ET.parse(path).getroot()
    assert root.tag == "quiz"
    questions = root.findall("question")
    categories = [q for q in questions if q.get("type") == "category"]
    assert len(categories) == len(pools)
    assert all(c.findtext("category/text").startswith("$course$/top/Deep RNN exam/") for c in categories)
    types = Counter(q.get("type") for q in questions if q.get("type") != "category")
    assert set(types) == {"multichoice", "truefalse", "numerical"}
    for q in questions:
        kind = q.get("type")
        if kind == "category":
            continue
        assert q.findtext("name/text") and q.find("questiontext").get("format") == "html"
        answers = q.findall("answer")
        assert answers
        if kind == "multichoice":
            total = sum(float(a.get("fraction")) for a in answers if float(a.get("fraction")) > 0)
            assert abs(total - 100) < 0.01
        if kind == "truefalse":
            assert sorted(a.findtext("text") for a in answers) == ["false", "true"]
        if kind == "numerical":
            assert answers[0].get("fraction") == "100" and answers[0].find("tolerance") is not None
            assert all(float(a.findtext("text")) == float(a.findtext("text")) for a in answers)
            assert all(a.get("fraction") == "0" for a in answers[1:])


def test_moodle_text_is_escaped():
    pools = export_pools(None, 0, 1)
    tree = moodle_xml(pools, "A & B <exam>")
    text = ET.tostring(tree.getroot(), encoding="unicode")
    root = ET.fromstring(text)
    assert root.find("question/category/text").text.endswith("A & B <exam>/why-deep/why-deep-weaknesses")


CANVAS = "{http://canvas.instructure.com/xsd/cccv1p0}"


def parsed(tree: ET.ElementTree) -> ET.Element:
    """The tree as an LMS reads it: serialised, then parsed (so the default namespace applies)."""
    return ET.fromstring(ET.tostring(tree.getroot()))


def test_qti_zip_has_the_shape_canvas_imports(tmp_path):
    pools = export_pools(load_blueprint(BLUEPRINT), 2, 3)
    path = write_qti_zip(pools, "Deep RNN exam", tmp_path / "qti.zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "imsmanifest.xml" in names and "non_cc_assessments/" in names
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        assert manifest.tag == f"{CP}manifest"
        resources = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
        hrefs = [f.get("href") for f in manifest.iter(f"{CP}file")]
        assert hrefs and all(h in names for h in hrefs)
        quiz = next(r for r in resources.values() if r.get("type") == "imsqti_xmlv1p2")
        dependency = quiz.find(f"{CP}dependency").get("identifierref")
        meta_resource = resources[dependency]
        assert meta_resource.get("type") == "associatedcontent/imscc_xmlv1p1/learning-application-resource"
        meta = ET.fromstring(zf.read(meta_resource.get("href")))
        root = ET.fromstring(zf.read(quiz.find(f"{CP}file").get("href")))
    assert meta.tag == f"{CANVAS}quiz" and meta.get("identifier") == quiz.get("identifier")
    assert meta.findtext(f"{CANVAS}title") == "Deep RNN exam"
    assert float(meta.findtext(f"{CANVAS}points_possible")) == sum(p.points for p in pools)
    assert meta.find(f"{CANVAS}assignment/{CANVAS}quiz_identifierref").text == quiz.get("identifier")
    assert root.tag == f"{QTI}questestinterop"
    assert root.find(f"{QTI}assessment").get("ident") == quiz.get("identifier")
    top = root.find(f"{QTI}assessment/{QTI}section")
    pools_xml = top.findall(f"{QTI}section")
    assert len(pools_xml) == len(pools)
    seen_types = set()
    idents = [item.get("ident") for item in root.iter(f"{QTI}item")]
    assert len(idents) == len(set(idents))
    for sec, pool in zip(pools_xml, pools):
        assert sec.findtext(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number") == "1"
        items = sec.findall(f"{QTI}item")
        assert len(items) == len(pool.variants)
        for item in items:
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            seen_types.add(fields["question_type"])
            assert float(fields["points_possible"]) == pool.points
            labels = [lab.get("ident") for lab in item.iter(f"{QTI}response_label")]
            if fields["question_type"] != "numerical_question":
                assert fields["original_answer_ids"].split(",") == labels
            # every displayfeedback points at an itemfeedback of the item, and the explanation is wired
            feedback = {fb.get("ident") for fb in item.findall(f"{QTI}itemfeedback")}
            links = {d.get("linkrefid") for d in item.iter(f"{QTI}displayfeedback")}
            assert links == feedback and "general_fb" in feedback
            first = item.find(f"{QTI}resprocessing/{QTI}respcondition")
            assert first.get("continue") == "Yes" and first.find(f"{QTI}conditionvar/{QTI}other") is not None
            scoring = [c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None]
            assert len(scoring) == 1 and scoring[0].get("continue") == "No"
            assert scoring[0].find(f"{QTI}setvar").text == "100"
            for mattext in item.iter(f"{QTI}mattext"):
                assert mattext.get("texttype") == "text/html"
                _assert_is_html_of_escaped_text(mattext.text)
    assert seen_types == {"multiple_choice_question", "multiple_answers_question", "true_false_question",
                          "numerical_question"}


def _assert_is_html_of_escaped_text(fragment: str) -> None:
    """The fragment is HTML made of <p>, <table>, <tr>, <td> around escaped text: no stray tags."""
    import html.parser

    tags: list[str] = []

    class Collect(html.parser.HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    assert fragment.startswith("<p>"), fragment
    Collect().feed(fragment)
    assert set(tags) <= {"p", "table", "tr", "td"}, (tags, fragment)


def test_text_that_looks_like_html_is_escaped_in_html_fields():
    pools = [p for p in export_pools(None, 1, 1) if p.question.qid == "params-order"]
    root = parsed(qti_assessment(pools, "t", "t"))
    texts = [m.text for m in root.iter(f"{QTI}mattext")]
    assert any("vanilla RNN &lt; GRU &lt; LSTM" in t for t in texts)
    assert all("RNN < GRU" not in t for t in texts)


def test_formula_questions_are_exported_as_numbers_the_lms_can_grade():
    from grader.exam.export import lms_variant
    from grader.formula import read_formula

    pools = [p for p in export_pools(None, 3, 3) if p.question.kind == "formula"]
    assert pools
    for pool in pools:
        for v in pool.variants:
            n = lms_variant(v)
            assert n.kind == "numeric" and n.tolerance == 0
            sizes = dict((k, int(val)) for k, val in
                         __import__("re").findall(r"\b([dhL]) = (\d+)", n.prompt.split("Work out")[1]))
            assert set(sizes) == set(v.symbols)
            expr = read_formula(v.answer, v.symbols).expr
            assert n.answer == float(expr.subs({s: sizes[s.name] for s in expr.free_symbols}))
            wrong = [m["answer"] for m in n.misconceptions]
            assert n.answer not in wrong and len(set(wrong)) == len(wrong) == len(v.misconceptions)
    moodle = moodle_xml(pools, "f").getroot()
    assert {q.get("type") for q in moodle.findall("question")} == {"category", "numerical"}
    assert "*" not in "".join(a.findtext("text") for a in moodle.iter("answer"))


def test_qti_single_choice_key_matches_variant():
    pools = [p for p in export_pools(None, 5, 2) if p.question.qid == "bidir-online"]
    root = parsed(qti_assessment(pools, "t", "t"))
    items = list(root.iter(f"{QTI}item"))
    assert len(items) == len(pools[0].variants) == 2
    for item, v in zip(items, pools[0].variants):
        labels = [lab.get("ident") for lab in item.iter(f"{QTI}response_label")]
        assert len(labels) == len(v.choices)
        scoring = next(c for c in item.iter(f"{QTI}respcondition") if c.find(f"{QTI}setvar") is not None)
        assert scoring.find(f".//{QTI}varequal").text == f"{item.get('ident')}_{v.answer}"


def test_cli_export(tmp_path):
    res = CliRunner().invoke(exam, ["export", "--blueprint", str(BLUEPRINT), "--seed", "4", "--variants", "2",
                                    "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    ET.parse(tmp_path / "moodle.xml")
    with zipfile.ZipFile(tmp_path / "canvas-qti.zip") as zf:
        assert zf.testzip() is None
