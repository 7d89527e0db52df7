"""Parallel batches: the same results whatever the pool and worker count, and one bad learner stops no one."""
from __future__ import annotations

import shutil
from pathlib import Path

from grader.batch import BatchOptions, learner_seed, run_batch
from grader.suites import select_checks

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples" / "class"
CHECKS = select_checks(["gates", "gru", "lstm"])


def _comparable(outcome) -> list:
    """Everything about the results except timings and timestamps."""
    return [(r.learner, r.seed, r.score, [c.to_dict() for c in r.checks], r.notes) for r in outcome.results]


def _class(root: Path) -> Path:
    folder = root / "submissions"
    for learner in ("ada_lovelace", "ben_okafor", "chen_wei", "dana_smith"):
        shutil.copytree(SAMPLES / learner, folder / learner)
    shutil.copytree(SAMPLES / "chen_wei", folder / "chen_copy")
    (folder / "eve.zip").write_bytes(b"PK\x03\x04 truncated")
    return folder


def test_parallel_equals_sequential(tmp_path):
    submissions = _class(tmp_path)
    runs = {}
    for name, workers, pool in (("sequential", 1, "thread"), ("threads", 3, "thread"), ("processes", 2, "process")):
        runs[name] = run_batch(submissions, tmp_path / name, CHECKS, seed=21,
                               options=BatchOptions(workers=workers, pool=pool, reports="json", class_outputs=False))
    assert _comparable(runs["threads"]) == _comparable(runs["sequential"])
    assert _comparable(runs["processes"]) == _comparable(runs["sequential"])
    results = {r.learner: r for r in runs["sequential"].results}
    # seeds are per learner, from the batch seed: two learners with the same files get different inputs
    assert results["chen_wei"].seed == learner_seed(21, "chen_wei") != results["chen_copy"].seed


def test_bad_submissions_cost_only_their_owner(tmp_path):
    submissions = _class(tmp_path)
    outcome = run_batch(submissions, tmp_path / "out", CHECKS, seed=5,
                        options=BatchOptions(workers=2, pool="thread", reports="json"))
    assert [r.learner for r in outcome.results] == ["ada_lovelace", "ben_okafor", "chen_copy", "chen_wei", "dana_smith"]
    assert "eve" in outcome.failures and "zip" in outcome.failures["eve"]
    dana = next(r for r in outcome.results if r.learner == "dana_smith")
    assert 0 < dana.score < dana.max_score  # gru.py does not parse, lstm returns lists: the rest still counts
    for name in ("index.html", "summary.md", "dashboard.html", "grades.csv", "junit.xml"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert (tmp_path / "out" / "ada_lovelace" / "result.json").exists()
    assert not (tmp_path / "out" / "ada_lovelace" / "report.html").exists()  # --reports json


def test_shared_inputs_grade_exactly_as_an_uncached_run(tmp_path, sandbox):
    from grader.batch import Submission, grade_one

    submissions = _class(tmp_path)
    shared = run_batch(submissions, tmp_path / "shared", CHECKS, seed=9,
                       options=BatchOptions(workers=1, pool="thread", reports="none", class_outputs=False,
                                            inputs="shared"))
    assert {r.seed for r in shared.results} == {9}
    for result in shared.results:  # the per-worker cache of inputs and expected values changes nothing
        alone = grade_one(Submission(result.learner, submissions / result.learner), CHECKS, sandbox, 9)
        assert [c.to_dict() for c in alone.checks] == [c.to_dict() for c in result.checks]
    # switching scope is a different grading: nothing is reused from the per-learner run
    again = run_batch(submissions, tmp_path / "shared", CHECKS,
                      options=BatchOptions(workers=1, pool="thread", reports="none", class_outputs=False))
    assert again.reused == [] and len(again.graded) == 5


def test_tasks_go_to_the_pool_a_few_at_a_time_and_every_one_comes_back(tmp_path):
    from grader.pool import IN_FLIGHT_PER_WORKER, GradingPool, Task

    submissions = _class(tmp_path)
    ids = tuple(c.check_id for c in CHECKS)
    tasks = [Task(f"learner{i:02d}", str(submissions / "ada_lovelace"), i, ids, reports="none") for i in range(12)]
    handed = []

    def lazily():
        for task in tasks:
            handed.append(task.learner)
            yield task

    pool = GradingPool(1, "thread")
    outcomes = pool.run(lazily())
    first = next(outcomes)
    assert len(handed) <= IN_FLIGHT_PER_WORKER + 1  # not the whole class up front
    rest = list(outcomes)
    assert sorted(o.learner for o in [first, *rest]) == [t.learner for t in tasks]
    assert all(o.result is not None and not o.crashed for o in [first, *rest])


def test_a_dead_worker_process_fails_only_the_tasks_it_had_and_the_rest_are_accounted_for(tmp_path):
    import multiprocessing
    import os
    import signal

    from grader.pool import GradingPool, Task

    submissions = _class(tmp_path)
    ids = tuple(c.check_id for c in CHECKS)
    tasks = [Task(f"learner{i:02d}", str(submissions / "chen_wei"), i, ids, reports="none") for i in range(10)]
    outcomes = GradingPool(2, "process").run(tasks)
    first = next(outcomes)
    for worker in multiprocessing.active_children():
        os.kill(worker.pid, signal.SIGKILL)
    rest = list(outcomes)
    assert sorted(o.learner for o in [first, *rest]) == [t.learner for t in tasks]  # each exactly once
    died = [o for o in rest if o.crashed]
    assert died and all("worker process died" in o.crashed and o.result is None for o in died)


def test_the_collector_skips_what_was_loaded_only_while_the_batch_runs(tmp_path):
    import gc

    folder = tmp_path / "submissions"
    shutil.copytree(SAMPLES / "ada_lovelace", folder / "ada_lovelace")
    before, during = gc.get_freeze_count(), []
    run_batch(folder, tmp_path / "out", CHECKS, seed=1,
              options=BatchOptions(workers=1, pool="thread", reports="none", class_outputs=False),
              on_done=lambda *_: during.append(gc.get_freeze_count()))
    assert during and during[0] > before  # the grader, NumPy, SymPy … frozen while grading
    assert gc.get_freeze_count() == before  # and handed back


def test_process_workers_come_from_a_fork_server_that_preloads_the_grader():
    import importlib

    from grader.pool import _preloaded_modules, _process_context

    assert _process_context().get_start_method() == "forkserver"  # Linux has one
    for name in _preloaded_modules():
        if name != "__main__":
            importlib.import_module(name)  # a misspelt name would be skipped silently by the fork server


def _loaded_variant_ids() -> list[str]:
    from grader.misconceptions import variants

    return sorted(variants._LOADED)


def test_process_workers_start_with_every_misconception_variant_loaded():
    from concurrent.futures import ProcessPoolExecutor

    from grader.misconceptions import all_misconceptions
    from grader.pool import _process_context

    with ProcessPoolExecutor(max_workers=1, mp_context=_process_context()) as executor:
        loaded = executor.submit(_loaded_variant_ids).result(timeout=120)
    assert loaded == sorted(m.id for m in all_misconceptions())
