"""The same batch on Dask distributed: same grades as the local pool, nothing lost when a worker dies.

Every test here grades for real: a ``LocalCluster`` of worker processes, each with its own
fork-servers started by the worker plugin, the real sandbox, a real SQLite gradebook and real
report files. The mixed class holds correct, partly done, buggy and broken learners
(``samples/class``), hostile ones (``tests/adversarial``), a ``grade submit`` archive and a
truncated one, notebooks (a file, a folder holding one, and one with two cells for one module).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

distributed = pytest.importorskip("distributed", reason="the [cluster] extra is not installed")

from grader.archive import pack_submission  # noqa: E402
from grader.batch import BatchOptions, run_batch  # noqa: E402
from grader.boundary import Task  # noqa: E402
from grader.cli import main  # noqa: E402
from grader.cluster import ClusterError, VersionMismatch, cluster_pool, parse_cluster  # noqa: E402
from grader.cluster.fingerprint import Fingerprint  # noqa: E402
from grader.cluster.pool import ClusterPool  # noqa: E402
from grader.cluster.spec import ClusterSpec  # noqa: E402
from grader.engine import HIDDEN_SKIPPED_NOTE  # noqa: E402
from grader.gradebook import Gradebook  # noqa: E402
from grader.sandbox.confine import file_isolation_active  # noqa: E402
from grader.suites import select_checks  # noqa: E402

import nbformat  # noqa: E402
from conftest import REPO  # noqa: E402
from handout_env import solved_cell  # noqa: E402
from test_adversarial import build_attack  # noqa: E402
from test_notebook_grading import notebook_with  # noqa: E402

SAMPLES = REPO / "samples" / "class"
CHECKS = select_checks(["gates", "vanilla", "gru", "lstm"])
HOSTILE = ("planted_numpy", "read_secrets", "introspection", "fake_results", "exec_shell")
SEED = 17


@pytest.fixture(scope="module")
def mixed_class(tmp_path_factory) -> Path:
    """Correct, partly done, buggy, broken and hostile learners; an archive and a truncated one."""
    root = tmp_path_factory.mktemp("class")
    folder = root / "submissions"
    for learner in ("ada_lovelace", "ben_okafor", "chen_wei", "dana_smith"):
        shutil.copytree(SAMPLES / learner, folder / learner)
    outside = root / "outside"
    outside.mkdir()
    outside.chmod(0o777)
    counter = iter(range(100))

    def make_submission(files):
        built = root / f"built{next(counter)}"
        built.mkdir()
        for path in (REPO / "solutions").glob("*.py"):
            if path.name != "__init__.py":
                shutil.copy(path, built / path.name)
        for name, text in files.items():
            (built / name).write_text(text)
        return built

    for attack in HOSTILE:
        built = build_attack(attack, make_submission, f"cl{attack[:10]}", outside, 9)
        shutil.copytree(built, folder / f"hostile_{attack}")
    pack_submission(SAMPLES / "chen_wei", "zip_learner", folder / "zip_learner.zip")
    (folder / "eve.zip").write_bytes(b"PK\x03\x04 truncated")
    solved = notebook_with({m: solved_cell(REPO, m) for m in ("gates", "gru")})
    solved.cells = [c for c in solved.cells if "exercise:lstm" not in c.metadata.get("tags", [])]
    nbformat.write(solved, str(folder / "nb_alan.ipynb"))
    (folder / "nb_grace").mkdir()
    nbformat.write(solved, str(folder / "nb_grace" / "my work.ipynb"))
    solved.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["exercise:gru"]}))
    nbformat.write(solved, str(folder / "nb_bob.ipynb"))
    return folder


@pytest.fixture(scope="module")
def local_run(mixed_class, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    outcome = run_batch(mixed_class, out, CHECKS, seed=SEED,
                        options=BatchOptions(workers=2, pool="process", reports="all"))
    return outcome, out


@pytest.fixture(scope="module")
def cluster_address():
    """A LocalCluster of two single-threaded worker processes, shared by this module's tests."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


def comparable(outcome) -> tuple:
    """Everything about a batch's grades except timings and timestamps."""
    return ([(r.learner, r.seed, r.score, r.max_score, [c.to_dict() for c in r.checks], r.notes, r.sandbox)
             for r in outcome.results], sorted(outcome.failures))


def result_json(folder: Path) -> dict:
    data = json.loads((folder / "result.json").read_text(encoding="utf-8"))
    data.pop("graded_at", None)
    data.pop("duration_s", None)
    return data


def test_cluster_specs_parse_and_bad_ones_say_what_is_accepted():
    assert parse_cluster("local:3") == ClusterSpec(local_workers=3)
    assert parse_cluster(" tcp://10.1.2.3:8786 ") == ClusterSpec(address="tcp://10.1.2.3:8786")
    assert str(parse_cluster("tls://sched.example:8786")) == "tls://sched.example:8786"
    for bad in ("local:0", "local:x", "8786", "http://host:8786", "tcp://host", "local:9999"):
        with pytest.raises(ClusterError):
            parse_cluster(bad)
    result = CliRunner().invoke(main, ["batch", str(SAMPLES), "--out", "/nonexistent/x", "--cluster", "local"])
    assert result.exit_code == 2 and "local:N" in result.output and "tcp://HOST:PORT" in result.output


def test_the_cluster_grades_a_mixed_class_exactly_as_the_local_pool(mixed_class, local_run, cluster_address,
                                                                    tmp_path):
    local, local_out = local_run
    out = tmp_path / "cluster"
    remote = run_batch(mixed_class, out, CHECKS, seed=SEED,
                       options=BatchOptions(cluster=cluster_address, reports="all"))
    assert comparable(remote) == comparable(local)
    assert len(remote.results) == 4 + len(HOSTILE) + 1 + 2 and set(remote.failures) == {"eve", "nb_bob"}
    assert remote.failures == local.failures
    notebook = next(r for r in remote.results if r.learner == "nb_alan")
    assert any("lstm" in note for note in notebook.notes) and notebook.score > 0
    hostile = {r.learner: r for r in remote.results if r.learner.startswith("hostile_")}
    assert all(c.score == 0 for r in hostile.values() for c in r.checks if c.function == "gate")
    assert any(c.visibility == "hidden" for c in hostile["hostile_read_secrets"].checks)
    # the client wrote what the workers rendered, exactly where and as the local pool writes it
    for result in remote.results:
        assert result_json(out / result.learner) == result_json(local_out / result.learner)
        for name in ("report.html", "report.md"):
            assert (out / result.learner / name).stat().st_size > 0
    for name in ("index.html", "summary.md", "dashboard.html", "grades.csv", "junit.xml"):
        assert (out / name).stat().st_size > 0


def test_a_cluster_run_resumes_a_gradebook_the_local_pool_started(mixed_class, local_run, cluster_address):
    local, local_out = local_run
    again = run_batch(mixed_class, local_out, CHECKS, options=BatchOptions(cluster=cluster_address))
    assert again.graded == [] and again.reused == sorted([r.learner for r in local.results] + ["eve", "nb_bob"])
    assert comparable(again) == comparable(local)
    assert again.latencies == {}  # nothing was sent to a worker


def test_hidden_checks_run_only_on_workers_whose_file_isolation_is_active(mixed_class, cluster_address, tmp_path):
    learners = [p for p in sorted(mixed_class.iterdir()) if p.is_dir() and not p.name.startswith("nb_")] * 2
    tasks = [Task(f"{p.name}", str(p), SEED, tuple(c.check_id for c in CHECKS)) for p in learners[:10]]
    pool = ClusterPool(ClusterSpec(address=cluster_address), without={"1": ("hide", "landlock")})
    outcomes = list(pool.run(tasks))
    assert len(outcomes) == len(tasks) and all(o.result for o in outcomes)
    by_isolation = {True: [], False: []}
    for outcome in outcomes:
        by_isolation[file_isolation_active(outcome.result["sandbox"])].append(outcome)
    assert by_isolation[True] and by_isolation[False], "both workers should have graded some submissions"
    for outcome in by_isolation[False]:
        assert {c["visibility"] for c in outcome.result["checks"]} == {"public"}
        assert HIDDEN_SKIPPED_NOTE in outcome.result["notes"]
        assert outcome.result["sandbox"]["hide"] != "active"
    for outcome in by_isolation[True]:
        assert any(c["visibility"] == "hidden" for c in outcome.result["checks"])


def test_a_worker_with_another_grader_stops_the_batch_with_a_clear_error(mixed_class, cluster_address, tmp_path,
                                                                       monkeypatch):
    monkeypatch.setattr("grader.cluster.pool.grader_fingerprint", lambda: Fingerprint("0.0.0-other", "0123abcd"))
    with pytest.raises(VersionMismatch) as raised:
        run_batch(mixed_class, tmp_path / "out", CHECKS, seed=SEED, options=BatchOptions(cluster=cluster_address))
    message = str(raised.value)
    assert "0.0.0-other" in message and "0123abcd" in message and "same deep-rnn-grader" in message
    result = CliRunner().invoke(main, ["batch", str(mixed_class), "--out", str(tmp_path / "cli"),
                                       "--cluster", cluster_address, "--quiet"])
    assert result.exit_code == 1 and "0.0.0-other" in result.output and "Traceback" not in result.output


def test_a_worker_that_refuses_mid_batch_stops_it_and_keeps_what_was_committed(mixed_class, cluster_address,
                                                                              tmp_path):
    """As a worker that joined late with another grader does: its plugin refuses, its next task raises."""
    out = tmp_path / "out"
    flipped = []

    def _refuse(dask_worker) -> None:  # nested, so Dask sends it by value (workers cannot import tests/)
        from grader.cluster.errors import VersionMismatch
        from grader.cluster.plugin import PLUGIN_NAME

        dask_worker.plugins[PLUGIN_NAME].refusal = VersionMismatch(f"worker {dask_worker.address} runs another grader")

    with distributed.Client(cluster_address, timeout=30) as watcher:
        def refuse_everywhere(learner, result, reused):
            if not flipped:
                flipped.append(learner)
                watcher.run(_refuse)

        with pytest.raises(VersionMismatch, match="another grader"):
            run_batch(mixed_class, out, CHECKS, seed=SEED, options=BatchOptions(cluster=cluster_address, reports="none"),
                      on_done=refuse_everywhere)
    assert flipped
    with Gradebook(out / "gradebook.sqlite") as book:
        committed, _ = book.latest()
        assert 1 <= book.attempt_count() < len(list(mixed_class.iterdir()))
        assert all(book.attempt_count(r.learner) == 1 for r in committed)
    assert (out / "index.html").exists()  # the class outputs are written all the same


def test_without_dask_the_error_says_which_extra_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_distributed(name, *args, **kwargs):
        if name == "grader.cluster.pool" or name.startswith("distributed"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_distributed)
    with pytest.raises(ClusterError, match=r"\[cluster\]"):
        cluster_pool("local:1")


def test_grade_batch_on_a_local_cluster_from_the_command_line(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(SAMPLES), "--out", str(out), "--seed", "3", "--cluster",
                                       "local:1", "-e", "gates", "-e", "vanilla", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "graded 4, reused 0, not graded 0" in result.output
    assert result_json(out / "ada_lovelace")["score"] == result_json(out / "ada_lovelace")["max_score"] > 0
    with Gradebook(out / "gradebook.sqlite") as book:
        assert book.attempt_count() == 4


def test_a_worker_killed_in_the_middle_of_a_batch_costs_nothing(mixed_class, local_run, cluster_address, tmp_path):
    """Runs last: it kills a worker of the shared cluster (its nanny starts a fresh one)."""
    local, _ = local_run
    out = tmp_path / "out"
    killed: list[tuple[str, int, list]] = []
    with distributed.Client(cluster_address, timeout=30) as watcher:
        def kill_a_busy_worker(learner, result, reused):
            if killed:
                return
            for address, keys in watcher.processing().items():
                grading = [k for k in keys if str(k).startswith("grade-")]
                if grading:
                    pid = watcher.run(os.getpid, workers=[address])[address]
                    os.kill(pid, signal.SIGKILL)
                    killed.append((address, pid, grading))
                    return

        remote = run_batch(mixed_class, out, CHECKS, seed=SEED,
                           options=BatchOptions(cluster=cluster_address, reports="json"), on_done=kill_a_busy_worker)
    assert killed, "a worker should have been killed while it held grading tasks"
    assert comparable(remote) == comparable(local)
    with Gradebook(out / "gradebook.sqlite") as book:
        for result in remote.results:
            assert book.attempt_count(result.learner) == 1, result.learner
        assert book.attempt_count() == len(remote.results) + len(remote.failures)
        stored, failed = book.latest()
    assert [r.learner for r in stored] == [r.learner for r in remote.results] and set(failed) == {"eve", "nb_bob"}
