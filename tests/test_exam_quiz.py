"""``grade quiz``: interactive practice driven through stdin."""
from __future__ import annotations

from click.testing import CliRunner

from grader.cli.quiz import quiz
from grader.exam.quiz import pick_questions


def answers_for(topic, count, seed, wrong_first=False):
    lines = []
    for v in pick_questions(topic, count, seed):
        if wrong_first:
            lines.append({"single": "A" if v.answer != "A" else "B", "multi": "A",
                          "tf": str(not v.answer).lower(), "numeric": "12345", "formula": "h"}[v.kind])
        ans = v.answer
        if v.kind == "multi":
            ans = ",".join(ans)
        elif v.kind == "tf":
            ans = "true" if ans else "false"
        elif v.kind == "numeric":
            ans = f"{ans:.4f}"
        lines.append(str(ans))
    return "\n".join(lines) + "\n"


def test_quiz_all_correct():
    text = answers_for("gru", 4, 7)
    res = CliRunner().invoke(quiz, ["gru", "--count", "4", "--seed", "7"], input=text)
    assert res.exit_code == 0, res.output
    assert res.output.count("Correct!") == 4
    assert "You answered 4 of 4 correctly (4 at the first try)" in res.output


def test_quiz_wrong_then_right_shows_hint_and_feedback():
    text = answers_for("params", 3, 2, wrong_first=True)
    res = CliRunner().invoke(quiz, ["params", "-n", "3", "--seed", "2"], input=text)
    assert res.exit_code == 0, res.output
    assert res.output.count("Hint:") == 3
    assert res.output.count("Try again.") >= 3
    assert "You answered 3 of 3 correctly (0 at the first try)" in res.output


def test_quiz_hint_skip_quit_and_end_of_input():
    res = CliRunner().invoke(quiz, ["lstm", "-n", "3", "--seed", "1"], input="?\ns\nq\n")
    assert res.exit_code == 0, res.output
    assert "Hint:" in res.output and "Skipped. The answer is" in res.output and "Stopping here." in res.output
    res = CliRunner().invoke(quiz, ["-n", "2", "--seed", "1"], input="")
    assert res.exit_code == 0 and "Stopping here." in res.output


def test_quiz_unreadable_answer_is_not_counted_as_an_attempt():
    v = pick_questions("bidirectional", 1, 3)[0]
    good = answers_for("bidirectional", 1, 3)
    res = CliRunner().invoke(quiz, ["bidirectional", "-n", "1", "--seed", "3"], input="@@@\n" + good)
    assert "could not be read" in res.output and "Try again." in res.output
    assert "1 at the first try" in res.output, (v.kind, res.output)


def test_quiz_topics_and_bad_topic():
    res = CliRunner().invoke(quiz, ["--list-topics"])
    assert "gru-vs-lstm" in res.output and "bidirectional" in res.output
    res = CliRunner().invoke(quiz, ["attention"])
    assert res.exit_code != 0 and "Invalid value" in res.output


def test_quiz_is_deterministic_for_a_seed():
    a = [v.to_dict() for v in pick_questions(None, 5, 42)]
    b = [v.to_dict() for v in pick_questions(None, 5, 42)]
    assert a == b and len({v["qid"] for v in a}) == 5


def test_quiz_without_solutions_keeps_conceptual_questions(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_solutions(name, *args, **kwargs):
        if name == "solutions" or name.startswith("solutions."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_solutions)
    import importlib
    real_im = importlib.import_module
    monkeypatch.setattr(importlib, "import_module",
                        lambda name, *a: no_solutions(name) if name.startswith("solutions") else real_im(name, *a))
    variants = pick_questions("params", 10, 1)
    assert variants and all(v.kind not in ("numeric", "formula") for v in variants)
