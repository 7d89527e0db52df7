"""Exports for LMS delivery: Moodle XML and Canvas-flavoured IMS QTI 1.2 (a zip with ``imsmanifest.xml``).

Each bank question becomes a *pool* holding several variants, so the LMS can hand every learner one
variant at random:

- Moodle: one category per question (``$course$/<exam>/<topic>/<question id>``) holding the variants;
  kinds map to ``multichoice`` (single and multiple), ``truefalse``, ``numerical`` with tolerance and
  ``shortanswer``. A Moodle short answer compares text, not algebra, so formula variants list several
  accepted spellings (expanded, factored, with ``^`` or ``**``); the platform's own grading
  (``grade exam grade``) checks true equivalence.
- Canvas QTI 1.2: one ``section`` per pool with ``selection_number`` 1 and the variants as ``item``s,
  typed through Canvas's ``question_type`` metadata.

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

import sympy

from ..formula import parse_formula
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


def question_html(v: Variant) -> str:
    parts = [f"<p>{html.escape(v.prompt)}</p>"]
    if v.given:
        rows = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td></tr>" for a, b in v.given)
        parts.append(f'<table border="1" cellpadding="4">{rows}</table>')
    if v.kind == "formula":
        parts.append(f"<p><em>Write {html.escape(v.answer_format)}.</em></p>")
    return "".join(parts)


def formula_spellings(v: Variant) -> list[str]:
    """Accepted texts for an LMS short-answer field (Moodle compares strings, not algebra)."""
    expr = parse_formula(v.answer, v.symbols)
    forms = []
    for e in (sympy.expand(expr), sympy.factor(expr)):
        text = str(e)
        forms += [text, text.replace(" ", ""), text.replace("**", "^"), text.replace("**", "^").replace(" ", "")]
    return list(dict.fromkeys(forms))


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = text
    return el


def _fraction(k: int) -> str:
    return f"{100 / k:.5f}".rstrip("0").rstrip(".")


def moodle_xml(pools: list[Pool], title: str) -> ET.ElementTree:
    quiz = ET.Element("quiz")
    base = "$course$/top/" + re.sub(r"[/\s]+", " ", title).strip()
    for pool in pools:
        q = pool.question
        cat = ET.SubElement(quiz, "question", {"type": "category"})
        _text(cat, "category", f"{base}/{q.topic}/{q.qid}")
        for n, v in enumerate(pool.variants, 1):
            kind = {"single": "multichoice", "multi": "multichoice", "tf": "truefalse",
                    "numeric": "numerical", "formula": "shortanswer"}[v.kind]
            el = ET.SubElement(quiz, "question", {"type": kind})
            _text(el, "name", f"{q.qid} variant {n}")
            _text(el, "questiontext", question_html(v), format="html")
            _text(el, "generalfeedback", html.escape(v.explanation), format="html")
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
                    ans = _text(el, "answer", html.escape(choice), fraction=frac, format="html")
                    _text(ans, "feedback", "", format="html")
            elif v.kind == "tf":
                for word in ("true", "false"):
                    ok = (word == "true") == bool(v.answer)
                    ans = _text(el, "answer", word, fraction="100" if ok else "0")
                    _text(ans, "feedback", html.escape(v.explanation), format="html")
            elif v.kind == "numeric":
                ans = _text(el, "answer", repr(float(v.answer)), fraction="100")
                ET.SubElement(ans, "tolerance").text = f"{float(v.tolerance):g}"
                _text(ans, "feedback", "", format="html")
                for m in v.misconceptions:
                    wrong = _text(el, "answer", repr(float(m["answer"])), fraction="0")
                    ET.SubElement(wrong, "tolerance").text = f"{float(v.tolerance):g}"
                    _text(wrong, "feedback", html.escape(m["feedback"]), format="html")
            else:
                ET.SubElement(el, "usecase").text = "0"
                for text in formula_spellings(v):
                    ans = _text(el, "answer", text, fraction="100")
                    _text(ans, "feedback", "", format="html")
    ET.indent(quiz)
    return ET.ElementTree(quiz)


def write_moodle_xml(pools: list[Pool], title: str, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    moodle_xml(pools, title).write(path, encoding="UTF-8", xml_declaration=True)
    return path


# --------------------------------------------------------------------------------------------- QTI

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
_CANVAS_TYPE = {"single": "multiple_choice_question", "multi": "multiple_answers_question",
                "tf": "true_false_question", "numeric": "numerical_question",
                "formula": "short_answer_question"}


def _ident(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text)


def _meta(parent: ET.Element, fields: dict[str, str]) -> None:
    md = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields.items():
        f = ET.SubElement(md, "qtimetadatafield")
        ET.SubElement(f, "fieldlabel").text = label
        ET.SubElement(f, "fieldentry").text = entry


def _mattext(parent: ET.Element, text: str, texttype: str = "text/html") -> None:
    mat = ET.SubElement(parent, "material")
    ET.SubElement(mat, "mattext", {"texttype": texttype}).text = text


def _qti_item(section: ET.Element, v: Variant, ident: str, points: float) -> None:
    item = ET.SubElement(section, "item", {"ident": ident, "title": v.qid})
    meta = ET.SubElement(item, "itemmetadata")
    _meta(meta, {"question_type": _CANVAS_TYPE[v.kind], "points_possible": f"{points:g}"})
    pres = ET.SubElement(item, "presentation")
    _mattext(pres, question_html(v))
    proc = ET.SubElement(item, "resprocessing")
    outcomes = ET.SubElement(proc, "outcomes")
    ET.SubElement(outcomes, "decvar", {"maxvalue": "100", "minvalue": "0", "varname": "SCORE",
                                       "vartype": "Decimal"})

    def full_marks(cond: ET.Element) -> None:
        ET.SubElement(cond, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"

    if v.kind in ("single", "multi", "tf"):
        if v.kind == "tf":
            options = [("true", "True"), ("false", "False")]
            right = ["true" if v.answer else "false"]
        else:
            options = [(letter, choice) for letter, choice in zip(LETTERS, v.choices)]
            right = [v.answer] if v.kind == "single" else list(v.answer)
        lid = ET.SubElement(pres, "response_lid", {"ident": "response1",
                                                   "rcardinality": "Multiple" if v.kind == "multi" else "Single"})
        render = ET.SubElement(lid, "render_choice")
        for key, text in options:
            label = ET.SubElement(render, "response_label", {"ident": key})
            _mattext(label, text, "text/plain")
        cond = ET.SubElement(proc, "respcondition", {"continue": "No"})
        var = ET.SubElement(cond, "conditionvar")
        if v.kind == "multi":
            both = ET.SubElement(var, "and")
            for key, _ in options:
                if key in right:
                    ET.SubElement(both, "varequal", {"respident": "response1"}).text = key
                else:
                    ET.SubElement(ET.SubElement(both, "not"), "varequal", {"respident": "response1"}).text = key
        else:
            ET.SubElement(var, "varequal", {"respident": "response1"}).text = right[0]
        full_marks(cond)
    elif v.kind == "numeric":
        resp = ET.SubElement(pres, "response_str", {"ident": "response1", "rcardinality": "Single"})
        ET.SubElement(ET.SubElement(resp, "render_fib", {"fibtype": "Decimal"}), "response_label",
                      {"ident": "answer1"})
        cond = ET.SubElement(proc, "respcondition", {"continue": "No"})
        var = ET.SubElement(cond, "conditionvar")
        either = ET.SubElement(var, "or")
        key = float(v.answer)
        ET.SubElement(either, "varequal", {"respident": "response1"}).text = repr(key)
        rng = ET.SubElement(either, "and")
        ET.SubElement(rng, "vargte", {"respident": "response1"}).text = repr(key - float(v.tolerance))
        ET.SubElement(rng, "varlte", {"respident": "response1"}).text = repr(key + float(v.tolerance))
        full_marks(cond)
    else:
        resp = ET.SubElement(pres, "response_str", {"ident": "response1", "rcardinality": "Single"})
        ET.SubElement(ET.SubElement(resp, "render_fib"), "response_label", {"ident": "answer1", "rshuffle": "No"})
        cond = ET.SubElement(proc, "respcondition", {"continue": "No"})
        var = ET.SubElement(cond, "conditionvar")
        for text in formula_spellings(v):
            ET.SubElement(var, "varequal", {"respident": "response1"}).text = text
        full_marks(cond)
    if v.explanation:
        fb = ET.SubElement(item, "itemfeedback", {"ident": "general_fb"})
        _mattext(ET.SubElement(fb, "flow_mat"), html.escape(v.explanation))


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


def qti_manifest(ident: str, href: str) -> ET.ElementTree:
    root = ET.Element("manifest", {"identifier": f"{ident}_manifest", "xmlns": CP_NS})
    md = ET.SubElement(root, "metadata")
    ET.SubElement(md, "schema").text = "IMS Content"
    ET.SubElement(md, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    res = ET.SubElement(resources, "resource", {"identifier": ident, "type": "imsqti_xmlv1p2"})
    ET.SubElement(res, "file", {"href": href})
    ET.indent(root)
    return ET.ElementTree(root)


def _tree_bytes(tree: ET.ElementTree) -> bytes:
    buf = io.BytesIO()
    tree.write(buf, encoding="UTF-8", xml_declaration=True)
    return buf.getvalue()


def write_qti_zip(pools: list[Pool], title: str, path: Path) -> Path:
    ident = "deep_rnn_exam"
    href = f"{ident}/{ident}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", _tree_bytes(qti_manifest(ident, href)))
        zf.writestr(href, _tree_bytes(qti_assessment(pools, title, ident)))
    return path
