"""Exports for LMS delivery: Moodle XML and Canvas-flavoured IMS QTI 1.2 (a zip in the shape Canvas imports).

Each bank question becomes a *pool* holding several variants, so the LMS can hand every learner one
variant at random:

- Moodle: one category per question (``$course$/<exam>/<topic>/<question id>``) holding the variants;
  kinds map to ``multichoice`` (single and multiple), ``truefalse`` and ``numerical`` with tolerance.
  Neither LMS can decide whether two formulas are equal (a Moodle short answer compares text, with
  ``*`` as a wildcard), so a formula question is exported as a ``numerical`` question that says so:
  the learner writes the formula and enters its value at given sizes (``d``, ``h``, and ``L`` where it
  appears), chosen so that the key's value differs from every catalogued mistake's; each mistake's
  value carries its feedback. ``grade exam grade`` still checks the formulas themselves.
- Canvas QTI 1.2, laid out as Canvas (and text2qti) write it: ``imsmanifest.xml`` naming the
  assessment and, as its dependency, ``<id>/assessment_meta.xml`` (Canvas's quiz settings); the
  assessment ``<id>/<id>.xml`` has one ``section`` per pool with ``selection_number`` 1 and the
  variants as ``item``s typed through Canvas's ``question_type`` metadata. Every ``text/html``
  field holds HTML (the text escaped and wrapped in ``<p>``); the explanation is the item's
  ``general_fb``, shown through a ``displayfeedback`` on every answer, and a numeric mistake's
  feedback is shown when the answer lands on it.

The XML is built with ``xml.etree.ElementTree``, which escapes all text.
"""
from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..formula import read_formula
from .bank import BANK, Question
from .blueprint import Blueprint
from .variant import LETTERS, Variant, derived_rng


@dataclass
class Pool:
    question: Question
    points: float
    variants: list[Variant]


def export_pools(blueprint: Blueprint | None, seed: int, n_variants: int) -> list[Pool]:
    """Pools for every question the blueprint can draw (or the whole bank), ``n_variants`` each.

    Variants that come out identical (a true/false pool has only a few statements) are kept once.
    """
    if blueprint is None:
        entries = [(q, 1.0) for q in BANK.values()]
    else:
        entries = [(BANK[qid], s.points) for s in blueprint.sections for qid in s.pool]
    pools = []
    for question, points in entries:
        seen: set[str] = set()
        variants = []
        for i in range(n_variants):
            v = question.variant(derived_rng("export", seed, question.qid, i))
            fingerprint = repr((v.prompt, v.given, v.choices, v.answer))
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            variants.append(v)
        pools.append(Pool(question, points, variants))
    return pools


def _html(text: str) -> str:
    """Plain text as an HTML paragraph (for every ``text/html`` field)."""
    return f"<p>{html.escape(text)}</p>"


def question_html(v: Variant) -> str:
    parts = [_html(v.prompt)]
    if v.given:
        rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in v.given)
        parts.append(f'<table border="1" cellpadding="4">{rows}</table>')
    return "".join(parts)


_POINTS = [{"d": d, "h": h, "L": layers} for d, h, layers in
           ((7, 12, 3), (9, 5, 4), (11, 6, 3), (13, 10, 2), (6, 17, 5), (23, 8, 3))]


def lms_variant(v: Variant) -> Variant:
    """``v`` as an LMS can grade it: a formula variant becomes a numeric one (the formula's value at
    given sizes, where the key differs from every catalogued mistake); other kinds are returned as they are."""
    if v.kind != "formula":
        return v
    key = read_formula(v.answer, v.symbols).expr
    mistakes = [(m, read_formula(m["answer"], v.symbols).expr) for m in v.misconceptions]
    for point in _POINTS:
        subs = {s: point[s.name] for s in key.free_symbols | {s for _, e in mistakes for s in e.free_symbols}}
        value = key.subs(subs)
        values = [e.subs(subs) for _, e in mistakes]
        if all(x != value for x in values) and len(set(values)) == len(values):
            break
    else:  # pragma: no cover - the bank's formulas always separate at one of these points
        raise ValueError(f"{v.qid}: no evaluation point separates the key from its mistakes")
    where = ", ".join(f"{name} = {point[name]}" for name in v.symbols)
    return Variant(
        qid=v.qid, topic=v.topic, kind="numeric",
        prompt=f"{v.prompt} Work out the formula, then enter its value at {where}: the LMS grades that "
               "number, not the formula's form.",
        answer=float(value), tolerance=0.0, answer_format="a whole number",
        misconceptions=[{**m, "answer": float(x)} for (m, _), x in zip(mistakes, values)],
        hint=v.hint, explanation=f"{v.explanation} At {where} it is {int(value)}.",
    )


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = text
    return el


def _fraction(k: int) -> str:
    return f"{100 / k:.5f}".rstrip("0").rstrip(".")


_MOODLE_TYPE = {"single": "multichoice", "multi": "multichoice", "tf": "truefalse", "numeric": "numerical"}


def moodle_xml(pools: list[Pool], title: str) -> ET.ElementTree:
    quiz = ET.Element("quiz")
    base = "$course$/top/" + re.sub(r"[/\s]+", " ", title).strip()
    for pool in pools:
        q = pool.question
        cat = ET.SubElement(quiz, "question", {"type": "category"})
        _text(cat, "category", f"{base}/{q.topic}/{q.qid}")
        for n, original in enumerate(pool.variants, 1):
            v = lms_variant(original)
            el = ET.SubElement(quiz, "question", {"type": _MOODLE_TYPE[v.kind]})
            _text(el, "name", f"{q.qid} variant {n}")
            _text(el, "questiontext", question_html(v), format="html")
            _text(el, "generalfeedback", _html(v.explanation), format="html")
            ET.SubElement(el, "defaultgrade").text = f"{pool.points:g}"
            ET.SubElement(el, "penalty").text = "0"
            ET.SubElement(el, "hidden").text = "0"
            ET.SubElement(el, "idnumber").text = f"{q.qid}-{n}"
            if v.kind in ("single", "multi"):
                ET.SubElement(el, "single").text = "true" if v.kind == "single" else "false"
                ET.SubElement(el, "shuffleanswers").text = "false"  # already shuffled per variant
                ET.SubElement(el, "answernumbering").text = "ABCD"
                right = [v.answer] if v.kind == "single" else list(v.answer)
                for letter, choice in zip(LETTERS, v.choices):
                    ok = letter in right
                    frac = _fraction(len(right)) if ok else ("0" if v.kind == "single" else "-" + _fraction(len(right)))
                    ans = _text(el, "answer", _html(choice), fraction=frac, format="html")
                    _text(ans, "feedback", "", format="html")
            elif v.kind == "tf":
                for word in ("true", "false"):
                    ok = (word == "true") == bool(v.answer)
                    ans = _text(el, "answer", word, fraction="100" if ok else "0")
                    _text(ans, "feedback", _html(v.explanation), format="html")
            else:
                ans = _text(el, "answer", repr(float(v.answer)), fraction="100")
                ET.SubElement(ans, "tolerance").text = f"{float(v.tolerance):g}"
                _text(ans, "feedback", "", format="html")
                for m in v.misconceptions:
                    wrong = _text(el, "answer", repr(float(m["answer"])), fraction="0")
                    ET.SubElement(wrong, "tolerance").text = f"{float(v.tolerance):g}"
                    _text(wrong, "feedback", _html(m["feedback"]), format="html")
    ET.indent(quiz)
    return ET.ElementTree(quiz)


def write_moodle_xml(pools: list[Pool], title: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    moodle_xml(pools, title).write(path, encoding="UTF-8", xml_declaration=True)
    return path


# --------------------------------------------------------------------------------------------- QTI

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
_CANVAS_TYPE = {"single": "multiple_choice_question", "multi": "multiple_answers_question",
                "tf": "true_false_question", "numeric": "numerical_question"}


def _ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    md = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        f = ET.SubElement(md, "qtimetadatafield")
        ET.SubElement(f, "fieldlabel").text = label
        ET.SubElement(f, "fieldentry").text = entry


def _mattext(parent: ET.Element, html_text: str) -> None:
    mat = ET.SubElement(parent, "material")
    ET.SubElement(mat, "mattext", {"texttype": "text/html"}).text = html_text


def _condition(proc: ET.Element, keep_going: bool) -> tuple[ET.Element, ET.Element]:
    cond = ET.SubElement(proc, "respcondition", {"continue": "Yes" if keep_going else "No"})
    return cond, ET.SubElement(cond, "conditionvar")


def _feedback(item: ET.Element, ident: str, html_text: str) -> None:
    fb = ET.SubElement(item, "itemfeedback", {"ident": ident})
    _mattext(ET.SubElement(fb, "flow_mat"), html_text)


def _in_range(parent: ET.Element, value: float, tol: float) -> None:
    """The answer equals ``value`` or lies within ``tol`` of it (text2qti's exact-answer form)."""
    either = ET.SubElement(parent, "or")
    ET.SubElement(either, "varequal", {"respident": "response1"}).text = repr(value)
    both = ET.SubElement(either, "and")
    ET.SubElement(both, "vargte", {"respident": "response1"}).text = repr(value - tol)
    ET.SubElement(both, "varlte", {"respident": "response1"}).text = repr(value + tol)


def _qti_item(section: ET.Element, original: Variant, ident: str, points: float) -> None:
    v = lms_variant(original)
    item = ET.SubElement(section, "item", {"ident": ident, "title": v.qid})
    if v.kind == "tf":
        options = [(f"{ident}_true", "True"), (f"{ident}_false", "False")]
        right = [f"{ident}_true" if v.answer else f"{ident}_false"]
    elif v.kind in ("single", "multi"):
        options = [(f"{ident}_{letter}", choice) for letter, choice in zip(LETTERS, v.choices)]
        right = [f"{ident}_{letter}" for letter in ([v.answer] if v.kind == "single" else v.answer)]
    else:
        options, right = [], []
    _meta(ET.SubElement(item, "itemmetadata"), {
        "question_type": _CANVAS_TYPE[v.kind], "points_possible": f"{points:g}",
        "original_answer_ids": ",".join(key for key, _ in options) or f"{ident}_numerical",
        "assessment_question_identifierref": f"{ident}_ref"})
    pres = ET.SubElement(item, "presentation")
    _mattext(pres, question_html(v))
    if options:
        lid = ET.SubElement(pres, "response_lid", {"ident": "response1",
                                                   "rcardinality": "Multiple" if v.kind == "multi" else "Single"})
        render = ET.SubElement(lid, "render_choice")
        for key, text in options:
            _mattext(ET.SubElement(render, "response_label", {"ident": key}), _html(text))
    else:
        resp = ET.SubElement(pres, "response_str", {"ident": "response1", "rcardinality": "Single"})
        ET.SubElement(ET.SubElement(resp, "render_fib", {"fibtype": "Decimal"}), "response_label",
                      {"ident": "answer1"})
    proc = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(proc, "outcomes"), "decvar", {"maxvalue": "100", "minvalue": "0",
                                                            "varname": "SCORE", "vartype": "Decimal"})
    if v.explanation:
        cond, var = _condition(proc, keep_going=True)
        ET.SubElement(var, "other")
        ET.SubElement(cond, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
    mistakes = v.misconceptions if v.kind == "numeric" else []
    for k, m in enumerate(mistakes, 1):
        cond, var = _condition(proc, keep_going=True)
        _in_range(var, float(m["answer"]), float(v.tolerance))
        ET.SubElement(cond, "displayfeedback", {"feedbacktype": "Response", "linkrefid": f"{ident}_m{k}_fb"})
    cond, var = _condition(proc, keep_going=False)
    if v.kind == "multi":
        both = ET.SubElement(var, "and")
        for key, _ in options:
            target = both if key in right else ET.SubElement(both, "not")
            ET.SubElement(target, "varequal", {"respident": "response1"}).text = key
    elif options:
        ET.SubElement(var, "varequal", {"respident": "response1"}).text = right[0]
    else:
        _in_range(var, float(v.answer), float(v.tolerance))
    ET.SubElement(cond, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    if v.explanation:
        _feedback(item, "general_fb", _html(v.explanation))
    for k, m in enumerate(mistakes, 1):
        _feedback(item, f"{ident}_m{k}_fb", _html(m["feedback"]))


def qti_assessment(pools: list[Pool], title: str, ident: str) -> ET.ElementTree:
    root = ET.Element("questestinterop", {"xmlns": QTI_NS})
    assessment = ET.SubElement(root, "assessment", {"ident": ident, "title": title})
    _meta(assessment, {"cc_maxattempts": "1"})
    top = ET.SubElement(assessment, "section", {"ident": "root_section"})
    for pool in pools:
        q = pool.question
        sec = ET.SubElement(top, "section", {"ident": _ident(f"pool_{q.qid}"), "title": q.qid})
        order = ET.SubElement(sec, "selection_ordering")
        sel = ET.SubElement(order, "selection")
        ET.SubElement(sel, "selection_number").text = "1"
        ext = ET.SubElement(sel, "selection_extension")
        ET.SubElement(ext, "points_per_item").text = f"{pool.points:g}"
        for n, v in enumerate(pool.variants, 1):
            _qti_item(sec, v, _ident(f"{q.qid}_v{n}"), pool.points)
    ET.indent(root)
    return ET.ElementTree(root)


def qti_assessment_meta(pools: list[Pool], title: str, ident: str) -> ET.ElementTree:
    """Canvas's quiz settings (``assessment_meta.xml``): a graded quiz, one attempt, answers in the
    order they were shuffled per variant."""
    points = f"{sum(p.points for p in pools):.1f}"
    root = ET.Element("quiz", {"identifier": ident, "xmlns": CANVAS_NS})
    settings = {"title": title, "description": "", "shuffle_answers": "false", "scoring_policy": "keep_highest",
                "hide_results": "", "quiz_type": "assignment", "points_possible": points,
                "show_correct_answers": "true", "anonymous_submissions": "false", "allowed_attempts": "1",
                "one_question_at_a_time": "false", "cant_go_back": "false", "available": "false"}
    for tag, text in settings.items():
        ET.SubElement(root, tag).text = text
    assignment = ET.SubElement(root, "assignment", {"identifier": f"{ident}_assignment"})
    for tag, text in {"title": title, "workflow_state": "unpublished", "quiz_identifierref": ident,
                      "points_possible": points, "grading_type": "points", "submission_types": "online_quiz"}.items():
        ET.SubElement(assignment, tag).text = text
    ET.SubElement(root, "assignment_group_identifierref").text = f"{ident}_assignment_group"
    ET.indent(root)
    return ET.ElementTree(root)


def qti_manifest(ident: str) -> ET.ElementTree:
    root = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": CP_NS})
    md = ET.SubElement(root, "metadata")
    ET.SubElement(md, "schema").text = "IMS Content"
    ET.SubElement(md, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    res = ET.SubElement(resources, "resource", {"identifier": ident, "type": "imsqti_xmlv1p2"})
    ET.SubElement(res, "file", {"href": f"{ident}/{ident}.xml"})
    ET.SubElement(res, "dependency", {"identifierref": f"{ident}_dependency"})
    meta = ET.SubElement(resources, "resource", {
        "identifier": f"{ident}_dependency", "type": "associatedcontent/imscc_xmlv1p1/learning-application-resource",
        "href": f"{ident}/assessment_meta.xml"})
    ET.SubElement(meta, "file", {"href": f"{ident}/assessment_meta.xml"})
    ET.indent(root)
    return ET.ElementTree(root)


def _tree_bytes(tree: ET.ElementTree) -> bytes:
    buf = io.BytesIO()
    tree.write(buf, encoding="UTF-8", xml_declaration=True)
    return buf.getvalue()


def write_qti_zip(pools: list[Pool], title: str, path: Path) -> Path:
    ident = "deep_rnn_exam"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", _tree_bytes(qti_manifest(ident)))
        zf.writestr(zipfile.ZipInfo("non_cc_assessments/"), b"")
        zf.writestr(f"{ident}/assessment_meta.xml", _tree_bytes(qti_assessment_meta(pools, title, ident)))
        zf.writestr(f"{ident}/{ident}.xml", _tree_bytes(qti_assessment(pools, title, ident)))
    return path
