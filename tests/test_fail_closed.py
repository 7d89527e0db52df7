"""Fail closed: hidden checks count only when a sandbox run really isolated the grader's files.

A fork-server can be told to leave confinement steps out (``ForkServer(without=...)``); with the
file-isolating ones (mount hiding and Landlock) left out, the repository is readable from the
sandbox, and the engine must run the public checks only and say why.
"""
from __future__ import annotations

import functools

import pytest
from click.testing import CliRunner

from grader.cli import doctor as doctor_module
from grader.engine import HIDDEN_DISCARDED_NOTE, HIDDEN_SKIPPED_NOTE, grade_submission
from grader.sandbox.client import ForkServer
from grader.sandbox.confine import SWITCHED_OFF, file_isolation_active
from grader.suites import select_checks

from test_adversarial import build_attack

CHECKS = select_checks(["gates", "vanilla"])
PUBLIC = [c for c in CHECKS if c.visibility == "public"]
NO_FILE_ISOLATION = ("hide", "landlock")


@pytest.fixture(scope="module")
def leaky_sandbox():
    with ForkServer(without=NO_FILE_ISOLATION) as server:
        yield server


def grade(folder, sandbox, **kwargs):
    return grade_submission(folder, "learner", CHECKS, sandbox=sandbox, seed=5, **kwargs)


def test_without_file_isolation_only_public_checks_run(make_submission, leaky_sandbox):
    result = grade(make_submission(), leaky_sandbox)
    assert {c.visibility for c in result.checks} == {"public"}
    assert [c.name for c in result.checks] == [c.name for c in PUBLIC]
    assert result.score == result.max_score == sum(c.points for c in PUBLIC)
    assert result.notes == [HIDDEN_SKIPPED_NOTE]
    assert not file_isolation_active(result.sandbox)
    assert result.sandbox["secrets"].startswith("unavailable: READABLE")
    assert all(SWITCHED_OFF in result.sandbox[step] for step in NO_FILE_ISOLATION)


@pytest.mark.parametrize("left_out", [NO_FILE_ISOLATION, ("landlock", "identity")],
                         ids=["no hiding, no landlock", "hiding by a child still root"])
def test_a_sandbox_without_file_isolation_really_leaks(make_submission, tmp_path, left_out):
    """Why hidden checks must not run there: the disk-reading attack earns the public gate marks."""
    folder = build_attack("read_secrets", make_submission, "leaky", tmp_path, 0)
    with ForkServer(without=left_out) as server:
        result = grade(folder, server)
    gate = [c for c in result.checks if c.function == "gate"]
    assert gate and all(c.status == "passed" for c in gate)
    assert {c.visibility for c in result.checks} == {"public"} and result.notes == [HIDDEN_SKIPPED_NOTE]


def test_trusted_code_runs_hidden_checks_anyway(make_submission, leaky_sandbox):
    result = grade(make_submission(), leaky_sandbox, trusted_code=True)
    assert len(result.checks) == len(CHECKS) and result.notes == []


def test_the_runs_own_layer_report_overrides_the_probe(make_submission, leaky_sandbox, sandbox, monkeypatch):
    """A probe that says "isolated" does not let a run that was not isolated count its hidden checks."""
    isolated = sandbox.layers()
    assert file_isolation_active(isolated)
    monkeypatch.setattr(leaky_sandbox, "layers", lambda: dict(isolated))
    result = grade(make_submission(), leaky_sandbox)
    assert {c.visibility for c in result.checks} == {"public"}
    assert result.notes == [HIDDEN_DISCARDED_NOTE]
    assert result.sandbox["hide"] != "active" and not file_isolation_active(result.sandbox)


def test_every_result_records_the_layers_of_its_run(make_submission, sandbox):
    result = grade(make_submission(), sandbox)
    assert file_isolation_active(result.sandbox) and result.notes == []
    assert len(result.checks) == len(CHECKS)
    for step in ("fds", "namespaces", "hide", "tmpfs", "rlimits", "no_new_privs", "landlock", "identity",
                 "seccomp", "secrets"):
        assert result.sandbox[step] == "active", (step, result.sandbox[step])
    assert result.to_dict()["sandbox"] == result.sandbox


@pytest.mark.parametrize("left_out", [("landlock",), ("namespaces",)], ids=["hiding only", "landlock only"])
def test_one_file_isolation_layer_is_enough(make_submission, left_out):
    with ForkServer(without=left_out) as server:
        result = grade(make_submission(), server)
    assert file_isolation_active(result.sandbox), result.sandbox
    assert len(result.checks) == len(CHECKS) and result.score == result.max_score


def test_unknown_steps_cannot_be_switched_off(make_submission):
    with ForkServer(without=("rlimits",)) as server:
        layers = server.layers()
    assert layers["confinement"].startswith("failed: ") and "rlimits" in layers["confinement"]
    assert not file_isolation_active(layers)


def test_grade_doctor_lists_every_layer_and_the_verdict():
    result = CliRunner().invoke(doctor_module.doctor)
    assert result.exit_code == 0, result.output
    for step in ("fds", "namespaces", "hide", "tmpfs", "rlimits", "no_new_privs", "landlock", "identity",
                 "seccomp", "secrets"):
        assert f"✓ {step}" in result.output
    assert "File isolation is active: hidden suites will run." in result.output


def test_grade_doctor_fails_when_files_are_not_isolated(monkeypatch):
    monkeypatch.setattr(doctor_module, "ForkServer", functools.partial(ForkServer, without=NO_FILE_ISOLATION))
    result = CliRunner().invoke(doctor_module.doctor)
    assert result.exit_code == 1
    assert "✗ landlock" in result.output and SWITCHED_OFF in result.output
    assert "only public checks will run (fail closed)" in result.output
