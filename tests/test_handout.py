"""The learner handout holds no reference code and no hidden check, and its fixtures reproduce the grader.

The handout is built once into a temporary folder and scanned independently of the builder:
every function body of ``solutions/`` (and of the suites and misconceptions) is compared, as an
AST, with every function in the handout; hidden check names are searched for in every file, fixtures
included; and the file list is held against the allow-list. A planted leak proves the scan bites.
"""
from __future__ import annotations

import ast
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.engine import prepare
from grader.fixtures import INDEX_NAME, FixtureSet
from grader.handout import HandoutError, build_handout
from grader.handout.allowlist import forbidden, shipped_files
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]
FIXTURES = "grader/public_fixtures"
GENERATED = {"README.md", "pyproject.toml", "requirements.txt", "exercises.ipynb", ".handout-files.json",
             "grader/exam/practice_quiz.json"}
SUITE_INFRASTRUCTURE = {"__init__.py", "base.py"}
SEED = 20240501


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    return build_handout(tmp_path_factory.mktemp("build") / "handout", seed=SEED).out


def _secret_sources() -> list[Path]:
    """Code that must never reach a learner: references, suites, misconceptions.

    The exam package is kept out by the allow-list and checked by folder below; its data-class
    helpers (``return dataclasses.asdict(self)``) share bodies with the result model, so it is
    not part of this body-by-body comparison.
    """
    sources = sorted((REPO / "solutions").glob("*.py"))
    sources += [p for p in sorted((REPO / "grader/suites").glob("*.py")) if p.name not in SUITE_INFRASTRUCTURE]
    sources += sorted((REPO / "grader/misconceptions").glob("**/*.py"))
    return sources


def _bodies(path: Path) -> dict[str, tuple[str, str]]:
    """``ast.dump`` of each function body (docstring dropped) → (file, function name)."""
    found = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                body = body[1:]
            if body:
                found[ast.dump(ast.Module(body=body, type_ignores=[]))] = (str(path), node.name)
    return found


def leaked_bodies(folder: Path) -> list[str]:
    """Secret function bodies that appear in any ``.py`` file under ``folder``."""
    secret: dict[str, tuple[str, str]] = {}
    for source in _secret_sources():
        secret.update(_bodies(source))
    leaks = []
    for path in sorted(folder.rglob("*.py")):
        for dump, (_, name) in _bodies(path).items():
            if dump in secret:
                origin, secret_name = secret[dump]
                leaks.append(f"{path.relative_to(folder)}:{name} has the body of {origin}:{secret_name}")
    return leaks


def _hidden_only_names() -> set[str]:
    public = {c.name for c in select_checks(visibilities=("public",))}
    return {c.name for c in select_checks(visibilities=("hidden",))} - public


def test_secret_sources_are_real():
    """The scan compares against something: the references and the suites define many functions."""
    assert len(_bodies(REPO / "solutions/gru.py")) >= 4
    assert _hidden_only_names()


def test_no_reference_suite_or_misconception_body_in_the_handout(handout):
    assert leaked_bodies(handout) == []


def test_the_scan_finds_a_planted_reference(handout, tmp_path):
    copy = shutil.copytree(handout, tmp_path / "copy")
    planted = (REPO / "solutions/lstm.py").read_text(encoding="utf-8")
    (copy / "grader/helpers.py").write_text(planted.replace("def lstm_cell", "def innocent_name"))
    assert any("innocent_name" in leak for leak in leaked_bodies(copy))


def test_no_solutions_folder_or_reference_file(handout):
    assert not (handout / "solutions").exists()
    references = {p.read_bytes() for p in (REPO / "solutions").glob("*.py") if p.stat().st_size > 200}
    for path in handout.rglob("*"):
        assert "solutions" not in path.relative_to(handout).parts
        if path.is_file():
            assert path.read_bytes() not in references, path


def test_no_hidden_check_name_anywhere(handout):
    names = _hidden_only_names()
    for path in handout.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            present = sorted(n for n in names if n in text)
            assert not present, f"{path.relative_to(handout)} names hidden checks: {present}"


def test_only_infrastructure_of_the_suites_ships(handout):
    assert {p.name for p in (handout / "grader/suites").iterdir()} - {"__pycache__"} == SUITE_INFRASTRUCTURE
    for name in ("batch.py", "verify.py", "diagnose.py"):
        assert not (handout / "grader" / name).exists()
    for package in ("misconceptions", "handout", "gradebook"):
        assert not (handout / "grader" / package).exists()
    shipped_exam = {p.name for p in (handout / "grader/exam").iterdir()} - {"__pycache__"}
    assert shipped_exam == {"__init__.py", "quiz.py", "practice.py", "practice_quiz.json", "scoring.py",
                            "sheet.py", "variant.py"}  # the practice quiz, never the bank or the keys' code


def test_every_file_is_allow_listed_or_generated(handout):
    summary_files = set(shipped_files(REPO))
    for path in handout.rglob("*"):
        if path.is_dir():
            continue
        relative = str(path.relative_to(handout))
        assert relative in summary_files or relative in GENERATED or relative.startswith(FIXTURES + "/"), relative
        assert not forbidden(relative), relative


def test_fixtures_cover_exactly_the_public_checks(handout):
    index = json.loads((handout / FIXTURES / INDEX_NAME).read_text(encoding="utf-8"))
    public = [c.check_id for c in select_checks(visibilities=("public",))]
    assert [entry["id"] for entry in index["checks"]] == public
    assert {entry["seed"] for entry in index["checks"]} == {SEED}
    assert not list((handout / FIXTURES).glob("*.npy")) and not list((handout / FIXTURES).glob("*.pkl"))


def test_fixtures_reproduce_the_full_graders_cases_and_expected_values(handout):
    fixtures = FixtureSet.load(handout / FIXTURES)
    stored = {c.check_id: c for c in fixtures.checks()}
    for check in select_checks(visibilities=("public",)):
        again = fixtures(stored[check.check_id], seed=0)
        fresh = prepare(check, SEED)
        assert again.seed == SEED
        assert repr(again.cases) == repr(fresh.cases)
        assert repr(again.expected) == repr(fresh.expected)
        restored = stored[check.check_id]
        assert (restored.outputs, restored.axes, restored.tolerance, restored.hint, restored.points) == \
               (check.outputs, check.axes, check.tolerance, check.hint, check.points)


def test_a_changed_fixture_file_is_refused(handout, tmp_path):
    copy = shutil.copytree(handout / FIXTURES, tmp_path / "fixtures")
    first = sorted(copy.glob("*.wire"))[0]
    data = first.read_bytes()
    first.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))  # the last byte, whatever it was, changed
    fixtures = FixtureSet.load(copy)
    with pytest.raises(Exception, match="changed after the handout was built"):
        fixtures(fixtures.checks()[0], seed=0)


def test_grade_check_on_a_changed_fixture_file_says_so_without_a_traceback(handout, tmp_path):
    copy = shutil.copytree(handout / FIXTURES, tmp_path / "fixtures")
    first = sorted(copy.glob("*-gates-*.wire"))[0]
    data = first.read_bytes()
    first.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    result = CliRunner().invoke(main, ["check", "gates", "--dir", str(REPO / "solutions"), "--fixtures", str(copy)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "Error: " in result.output and "changed after the handout was built" in result.output


def test_readme_teaches_the_workflow(handout):
    readme = (handout / "README.md").read_text(encoding="utf-8")
    for command in ("pip install -e .", "grade check gru", "grade check ", "grade submit --learner"):
        assert command in readme
    assert "hidden checks" in readme.lower()
    assert "$" not in readme.replace("$ ", "")  # every placeholder filled


def test_cli_builds_and_refuses_to_overwrite_other_folders(tmp_path):
    runner = CliRunner()
    out = tmp_path / "dist"
    first = runner.invoke(main, ["handout", "--out", str(out), "--seed", "3"])
    assert first.exit_code == 0, first.output
    assert "fixtures for" in first.output and (out / "README.md").is_file()
    again = runner.invoke(main, ["handout", "--out", str(out)])
    assert again.exit_code != 0 and "--force" in again.output
    assert runner.invoke(main, ["handout", "--out", str(out), "--force"]).exit_code == 0
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep me")
    refused = runner.invoke(main, ["handout", "--out", str(other), "--force"])
    assert refused.exit_code != 0 and (other / "mine.txt").read_text() == "keep me"
    with pytest.raises(HandoutError):
        build_handout(other, force=True)


def test_force_never_deletes_a_learners_work(tmp_path):
    runner = CliRunner()
    out = tmp_path / "dist"
    assert runner.invoke(main, ["handout", "--out", str(out), "--seed", "3"]).exit_code == 0
    untouched = runner.invoke(main, ["handout", "--out", str(out), "--seed", "3", "--force"])
    assert untouched.exit_code == 0 and "moved" not in untouched.output  # nothing of the learner's: replaced
    assert not list(tmp_path.glob("dist.previous-*"))
    (out / "exercises" / "gru.py").write_text("# my GRU, half done\n", encoding="utf-8")
    (out / "submission-ada.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (out / ".venv" / "bin").mkdir(parents=True)
    (out / ".venv" / "bin" / "python").write_text("#!", encoding="utf-8")
    (out / "exercises" / "__pycache__").mkdir()
    (out / "exercises" / "__pycache__" / "gru.cpython-311.pyc").write_bytes(b"cache")
    again = runner.invoke(main, ["handout", "--out", str(out), "--seed", "3", "--force"])
    assert again.exit_code == 0, again.output
    (aside,) = tmp_path.glob("dist.previous-*")
    assert str(aside) in again.output and "exercises/gru.py" in again.output
    assert (aside / "exercises" / "gru.py").read_text(encoding="utf-8") == "# my GRU, half done\n"
    assert (aside / "submission-ada.zip").is_file() and (aside / ".venv" / "bin" / "python").is_file()
    assert "NotImplementedError" in (out / "exercises" / "gru.py").read_text(encoding="utf-8")  # a fresh handout


def test_an_earlier_handout_without_a_file_list_is_moved_aside_not_deleted(tmp_path):
    out = tmp_path / "dist"
    build_handout(out, seed=3)
    (out / ".handout-files.json").unlink()  # as handouts built before the list existed
    summary = build_handout(out, seed=3, force=True)
    assert summary.moved_aside is not None and (summary.moved_aside / "README.md").is_file()
