"""Exports: Gradescope results.json per its specification, CSV grades and JUnit XML, from real results."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.batch import BatchOptions, run_batch
from grader.catalog import EXERCISES
from grader.export.csv_grades import render_csv
from grader.export.gradescope import VISIBILITIES, results_json
from grader.export.junit import render_junit
from grader.model import CheckResult, SubmissionResult
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "class"
TEST_KEYS = {"name", "score", "max_score", "status", "output", "visibility"}


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    for learner in ("ada_lovelace", "chen_wei", "dana_smith"):
        shutil.copytree(SAMPLES / learner, root / "submissions" / learner)
    (root / "submissions" / "eve.zip").write_bytes(b"not a zip")
    return run_batch(root / "submissions", root / "out", select_checks(["gates", "gru", "param_count"]), seed=4,
                     options=BatchOptions(workers=1, pool="thread", reports="none", class_outputs=False))


def by_learner(outcome, learner) -> SubmissionResult:
    return next(r for r in outcome.results if r.learner == learner)


def test_gradescope_document_has_the_specified_fields_and_types(outcome):
    for result in outcome.results:
        document = json.loads(json.dumps(results_json(result)))
        assert isinstance(document["score"], float) and document["score"] == pytest.approx(result.score)
        assert isinstance(document["execution_time"], (int, float)) and not isinstance(document["execution_time"], bool)
        assert isinstance(document["output"], str)
        assert len(document["tests"]) == len(result.checks)
        for test, check in zip(document["tests"], result.checks):
            assert TEST_KEYS <= set(test)
            assert isinstance(test["name"], str) and test["name"]
            assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
            assert test["status"] in ("passed", "failed")
            assert test["status"] == ("passed" if check.status == "passed" else "failed")
            assert test["visibility"] in VISIBILITIES
            assert test["visibility"] == ("visible" if check.visibility == "public" else "after_published")
        assert sum(t["score"] for t in document["tests"]) == pytest.approx(document["score"])


def test_gradescope_hidden_visibility_is_configurable_and_validated(outcome):
    result = by_learner(outcome, "chen_wei")
    hidden = [t for t in results_json(result, hidden_visibility="hidden")["tests"] if t["visibility"] != "visible"]
    assert hidden and all(t["visibility"] == "hidden" for t in hidden)
    with pytest.raises(ValueError):
        results_json(result, hidden_visibility="sometimes")


def test_gradescope_hidden_checks_do_not_leak_expected_values(outcome):
    # chen's gru_param_count misses the h² term: the hidden count checks fail, and the right counts must not show
    from grader.engine import prepare

    result = by_learner(outcome, "chen_wei")
    failing = [c for c in result.checks if c.function == "gru_param_count" and c.visibility == "hidden"
               and c.status != "passed"]
    assert failing
    document = results_json(result)
    for check in failing:
        suite_check = next(s for s in select_checks(["param_count"]) if s.check_id == check.check_id)
        expected = prepare(suite_check, check.seed).expected
        test = next(t for t in document["tests"] if t["name"] == check.check_id)
        for value in expected:
            if isinstance(value, int):
                assert not re.search(rf"(?<![\d,]){value:,}(?![\d,])", test["output"]), test["output"]
                assert not re.search(rf"(?<!\d){value}(?!\d)", test["output"]), test["output"]

    # and whatever a judge keeps in details stays out of the export
    secret = CheckResult("gru", "gru_cell", "secret", 0.0, 2.0, "failed", "h differs.", visibility="hidden",
                         seed=9, details={"expected": [0.123456789]})
    exported = json.dumps(results_json(SubmissionResult("x", [secret], seed=9)))
    assert "0.123456789" not in exported


def test_csv_has_one_row_per_learner_and_the_documented_columns(outcome):
    rows = list(csv.DictReader(io.StringIO(render_csv(outcome.results, outcome.failures))))
    header = list(rows[0])
    assert header[:4] == ["learner", "score", "max_score", "percent"]
    assert header[4:-4] == [e for e in EXERCISES if e in ("gates", "gru", "param_count")]
    assert header[-4:] == ["status", "graded_at", "seed", "reason"]
    table = {row["learner"]: row for row in rows}
    assert set(table) == {"ada_lovelace", "chen_wei", "dana_smith", "eve"}
    ada = by_learner(outcome, "ada_lovelace")
    assert float(table["ada_lovelace"]["score"]) == ada.score and table["ada_lovelace"]["percent"] == "100"
    assert table["eve"]["status"] == "not graded" and table["eve"]["reason"]
    chen = by_learner(outcome, "chen_wei")
    assert sum(float(table["chen_wei"][e]) for e in header[4:-4]) == pytest.approx(chen.score, abs=1e-4)


def test_junit_parses_and_counts_failures_and_errors(outcome):
    root = ET.fromstring(render_junit(outcome.results))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["ada_lovelace", "chen_wei", "dana_smith"]
    for suite, result in zip(suites, outcome.results):
        cases = suite.findall("testcase")
        assert len(cases) == len(result.checks) == int(suite.get("tests"))
        assert len(suite.findall("testcase/failure")) == sum(c.status == "failed" for c in result.checks)
        assert len(suite.findall("testcase/error")) == sum(c.status == "error" for c in result.checks)
    dana = suites[2]
    assert any(e.get("type") == "import" for e in dana.findall("testcase/error"))  # gru.py does not parse
    assert int(root.get("failures")) == sum(len(s.findall("testcase/failure")) for s in suites)


def test_junit_survives_characters_xml_cannot_carry():
    check = CheckResult("gates", "sigmoid", "odd <output> & \"quotes\"", 0.0, 1.0, "error",
                        message="printed \x00\x07 then crashed", details={"error_kind": "crash"})
    root = ET.fromstring(render_junit([SubmissionResult("x", [check])]))
    case = root.find("testsuite/testcase")
    assert case.get("name") == "odd <output> & \"quotes\""
    assert "crashed" in case.find("error").text
