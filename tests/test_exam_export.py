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
    assert set(types) == {"multichoice", "truefalse", "numerical", "shortanswer"}
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
            float(answers[0].findtext("text"))
        if kind == "shortanswer":
            assert all(a.get("fraction") == "100" for a in answers)


def test_moodle_text_is_escaped():
    pools = export_pools(None, 0, 1)
    tree = moodle_xml(pools, "A & B <exam>")
    text = ET.tostring(tree.getroot(), encoding="unicode")
    root = ET.fromstring(text)
    assert root.find("question/category/text").text.endswith("A & B <exam>/why-deep/why-deep-weaknesses")


def test_qti_zip_structure(tmp_path):
    pools = export_pools(load_blueprint(BLUEPRINT), 2, 3)
    path = write_qti_zip(pools, "Deep RNN exam", tmp_path / "qti.zip")
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        assert "imsmanifest.xml" in names
        manifest = ET.fromstring(zf.read("imsmanifest.xml"))
        assert manifest.tag == f"{CP}manifest"
        hrefs = [f.get("href") for f in manifest.iter(f"{CP}file")]
        assert hrefs and all(h in names for h in hrefs)
        resource = manifest.find(f"{CP}resources/{CP}resource")
        assert resource.get("type") == "imsqti_xmlv1p2"
        root = ET.fromstring(zf.read(hrefs[0]))
    assert root.tag == f"{QTI}questestinterop"
    top = root.find(f"{QTI}assessment/{QTI}section")
    pools_xml = top.findall(f"{QTI}section")
    assert len(pools_xml) == len(pools)
    seen_types = set()
    for sec, pool in zip(pools_xml, pools):
        assert sec.findtext(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number") == "1"
        items = sec.findall(f"{QTI}item")
        assert len(items) == len(pool.variants)
        for item in items:
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            seen_types.add(fields["question_type"])
            assert float(fields["points_possible"]) == pool.points
            assert item.find(f"{QTI}presentation/{QTI}material/{QTI}mattext").text
            assert item.find(f"{QTI}resprocessing/{QTI}respcondition/{QTI}setvar").text == "100"
    assert seen_types == {"multiple_choice_question", "multiple_answers_question", "true_false_question",
                          "numerical_question", "short_answer_question"}


def test_qti_single_choice_key_matches_variant():
    pools = [p for p in export_pools(None, 5, 2) if p.question.qid == "bidir-online"]
    root = qti_assessment(pools, "t", "t").getroot()
    for item, v in zip(root.iter(f"{QTI}item"), pools[0].variants):
        labels = [lab.get("ident") for lab in item.iter(f"{QTI}response_label")]
        assert len(labels) == len(v.choices)
        assert item.find(f".//{QTI}varequal").text == v.answer


def test_cli_export(tmp_path):
    res = CliRunner().invoke(exam, ["export", "--blueprint", str(BLUEPRINT), "--seed", "4", "--variants", "2",
                                    "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    ET.parse(tmp_path / "moodle.xml")
    with zipfile.ZipFile(tmp_path / "canvas-qti.zip") as zf:
        assert zf.testzip() is None
