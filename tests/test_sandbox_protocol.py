"""The child ↔ fork-server protocol: calls are not announced, yet blame, skipping and forgery
protection hold; the fork-server's warm-up leaves nothing of its own in a child's reach."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest

from grader.sandbox.client import Call, ForgedReport, ForkServer
from grader.sandbox.limits import Limits

LIMITS = Limits(cpu_seconds=2, wall_seconds=1.0)


@pytest.fixture(scope="module")
def quick_sandbox():
    with ForkServer(LIMITS) as server:
        server.layers()  # started and warm: the timing tests measure runs, not the server's start-up
        yield server


def learner(tmp_path, text: str):
    (tmp_path / "gates.py").write_text(textwrap.dedent(text))
    return tmp_path


def test_a_hanging_function_costs_one_time_limit_and_only_its_own_calls(tmp_path, quick_sandbox):
    folder = learner(tmp_path, """
        def hang(x):
            while True:
                pass

        def double(x):
            return 2 * x
    """)
    calls = [Call("gates", f, (k,)) for k, f in enumerate(["hang", "double", "hang", "double", "hang"])]
    started = time.perf_counter()
    outcomes = quick_sandbox.run(folder, calls).outcomes
    elapsed = time.perf_counter() - started
    assert [o.ok for o in outcomes] == [False, True, False, True, False]
    assert outcomes[1].value == 2 and outcomes[3].value == 6
    assert outcomes[0].kind == "timeout" and "did not finish" in outcomes[0].message
    assert all(o.kind == "timeout" and o.message.startswith("not run: an earlier call of hang") for o in outcomes[2::2])
    assert elapsed < 2 * LIMITS.wall_seconds  # the later calls of hang were skipped, not run again


def test_each_call_gets_its_own_wall_clock(tmp_path, quick_sandbox):
    """Calls that each take most of the limit all finish: the clock restarts at every outcome."""
    folder = learner(tmp_path, """
        import time

        def slow(x):
            time.sleep(0.6)
            return x
    """)
    outcomes = quick_sandbox.run(folder, [Call("gates", "slow", (k,)) for k in range(3)]).outcomes
    assert [o.value for o in outcomes] == [0, 1, 2]


def test_a_crash_is_blamed_on_the_running_call_and_the_rest_still_run(tmp_path, quick_sandbox):
    folder = learner(tmp_path, """
        import os

        def ok(x):
            return x

        def die(x):
            os._exit(3)
    """)
    calls = [Call("gates", "ok", (1,)), Call("gates", "die", (2,)), Call("gates", "ok", (3,)), Call("gates", "die", (4,))]
    outcomes = quick_sandbox.run(folder, calls).outcomes
    assert [o.ok for o in outcomes] == [True, False, True, False]
    assert outcomes[2].value == 3
    assert outcomes[1].kind == outcomes[3].kind == "crash" and "status 3" in outcomes[1].message


def test_frames_forged_for_other_calls_make_the_whole_run_untrusted(tmp_path, quick_sandbox):
    """A call writing D and E frames for other calls to every descriptor is caught: a report for
    a call that has not started makes the run raise ForgedReport with the reason (one for a call
    already reported is ignored), and the same fork-server then runs the next learner correctly."""
    folder = learner(tmp_path, """
        import json
        import os
        import struct

        from grader.sandbox import wire

        def _frame(kind, index, payload):
            body = struct.pack(">cI", kind, index) + payload
            return struct.pack(">Q", len(body)) + body

        def forge(x):
            fake = wire.encode({"value": 42, "fp_errors": []})
            error = json.dumps({"kind": "exception", "message": "forged"}).encode()
            for fd in range(3, 21):
                for index in (0, 2, 3):
                    for frame in (_frame(b"D", index, fake), _frame(b"E", index, error)):
                        try:
                            os.write(fd, frame)
                        except OSError:
                            pass
            return x

        def honest(x):
            return x + 1
    """)
    calls = [Call("gates", "honest", (0,)), Call("gates", "forge", (1,)), Call("gates", "honest", (2,)),
             Call("gates", "honest", (3,))]
    server_pid = quick_sandbox._process.pid
    with pytest.raises(ForgedReport, match="report for call 2, which had not started"):
        quick_sandbox.run(folder, calls)
    (tmp_path / "next").mkdir()
    honest = learner(tmp_path / "next", "def honest(x):\n    return x + 1\n")
    outcomes = quick_sandbox.run(honest, [Call("gates", "honest", (n,)) for n in range(3)]).outcomes
    assert [o.value for o in outcomes] == [1, 2, 3]
    assert quick_sandbox._process.pid == server_pid


WARM_UP_PROBE = """
import gc, sympy
from grader.sandbox import server
server.warm_up()
from sympy.core.cache import CACHE
print(sorted(f.__wrapped__.__qualname__ for f in CACHE if f.cache_info().currsize))
print(sorted({s.name for o in gc.get_objects() if isinstance(o, sympy.Basic) and not isinstance(o, sympy.Symbol)
              for s in getattr(o, "free_symbols", ()) if isinstance(s, sympy.Symbol)}))
print(sorted({o.name for o in gc.get_objects() if isinstance(o, sympy.Symbol)}))
print(sorted(m for m in __import__("sys").modules if m.startswith(("solutions", "grader.suites", "grader.reference",
                                                                  "grader.misconceptions", "exercises"))))
"""


def test_warm_up_keeps_no_expression_of_the_inputs_only_bare_symbols_and_integers():
    out = subprocess.run([sys.executable, "-c", WARM_UP_PROBE], capture_output=True, text=True, check=True).stdout
    cached, in_expressions, symbols, forbidden_modules = (eval(line) for line in out.splitlines())
    # SymPy's caches hold only integers and bare symbols (and the symbols' assumption sets) ...
    assert set(cached) <= {"Integer.__new__", "Symbol.__xnew_cached_", "Symbol._canonical_assumptions"}
    # ... and no live SymPy expression anywhere in the server's memory involves the input symbols
    assert {"d", "h"} <= set(symbols) and not {"d", "h"} & set(in_expressions)
    assert not [name for name in symbols if name.startswith("warm_up")]  # the warm-up's own are gone
    assert forbidden_modules == []


def test_an_argument_edited_in_place_does_not_reach_the_next_call(tmp_path, quick_sandbox):
    """The fork-server decodes requests into read-only views; each call still gets private,
    writable copies of its arguments."""
    folder = learner(tmp_path, """
        def bump(x):
            x += 1
            return x
    """)
    import numpy as np

    shared = np.zeros(3)
    outcomes = quick_sandbox.run(folder, [Call("gates", "bump", (shared,)), Call("gates", "bump", (shared,))]).outcomes
    assert [o.ok for o in outcomes] == [True, True]
    assert outcomes[0].value.tolist() == outcomes[1].value.tolist() == [1.0, 1.0, 1.0]


def test_symbols_still_work_in_the_child_after_the_warm_up(tmp_path, quick_sandbox):
    folder = learner(tmp_path, """
        def count(d, h):
            return 3 * (h * d + h * h + h)
    """)
    import sympy

    d, h = sympy.Symbol("d", positive=True, integer=True), sympy.Symbol("h", positive=True, integer=True)
    outcomes = quick_sandbox.run(folder, [Call("gates", "count", (d, h)), Call("gates", "count", (2, 3))]).outcomes
    assert outcomes[0].ok and sympy.expand(sympy.sympify(str(outcomes[0].value))) == sympy.expand(
        sympy.sympify("3*(h*d + h**2 + h)"))
    assert outcomes[1].value == 54


def test_a_run_copies_only_regular_top_level_python_files_within_the_caps(tmp_path):
    import os

    from grader.sandbox.client import MAX_SUBMISSION_FILE_BYTES, copy_submission

    source, outside = tmp_path / "submission", tmp_path / "secret.py"
    source.mkdir()
    outside.write_text("ANSWER = 42\n")
    (source / "gates.py").write_bytes(b"def f():\n    return 1\n")
    (source / ".hidden.py").write_text("x = 1\n")
    (source / "notes.txt").write_text("not python\n")
    (source / "huge.py").write_bytes(b"#" * (MAX_SUBMISSION_FILE_BYTES + 1))
    (source / "exactly.py").write_bytes(b"#" * MAX_SUBMISSION_FILE_BYTES)
    (source / "link.py").symlink_to(outside)
    (source / "folder.py").mkdir()
    os.mkfifo(source / "pipe.py")  # must be skipped, not waited on
    (source / "sub").mkdir()
    (source / "sub" / "inner.py").write_text("x = 2\n")
    work_root = tmp_path / "work"
    work_root.mkdir()
    copied = copy_submission(source, work_root)
    assert sorted(p.name for p in copied.iterdir()) == [".hidden.py", "exactly.py", "gates.py"]
    assert (copied / "gates.py").read_bytes() == b"def f():\n    return 1\n"
    assert (copied / "exactly.py").stat().st_size == MAX_SUBMISSION_FILE_BYTES
    assert not any(p.is_symlink() for p in copied.iterdir())


def test_each_child_draws_fresh_random_numbers(tmp_path, quick_sandbox):
    """The fork-server imports numpy.random for its children; each still gets its own entropy."""
    folder = learner(tmp_path, """
        import random

        import numpy as np

        def draw(_):
            return [float(np.random.rand()), random.random()]
    """)
    first, second = (quick_sandbox.run(folder, [Call("gates", "draw", (0,))]).outcomes[0] for _ in range(2))
    assert first.ok and second.ok
    assert first.value[0] != second.value[0] and first.value[1] != second.value[1]
