"""``grade explore gradients``: the vanishing-gradient experiment on your own ``gradient_norms``."""
from __future__ import annotations

from pathlib import Path

import click

from grader import explore as experiment
from grader.report import plots
from grader.report.render import shared_environment


@click.group()
def explore() -> None:
    """See what your code computes, beyond pass or fail."""


@explore.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=Path("exercises"),
              show_default=True, help="Folder holding your exercise files (gradient_flow.py and what it uses).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=Path("explore-gradients.html"),
              show_default=True, help="Where to write the HTML page with the chart.")
@click.option("--seed", type=int, default=experiment.DEFAULT_SEED, show_default=True, help="Seed of the sequence.")
@click.option("--steps", type=click.IntRange(1, 200), default=experiment.DEFAULT_STEPS, show_default=True,
              help="Sequence length T.")
def gradients(folder: Path, out: Path, seed: int, steps: int) -> None:
    """Draw log ‖∂s_T/∂s_k‖ against the distance T − k for the vanilla RNN, the GRU and the LSTM.

    Your gradient_norms runs in the sandbox on one sequence for each cell; the reference curves are
    drawn beside yours when the reference solutions are installed.
    """
    if not folder.is_dir():
        raise click.BadParameter(f"{folder} is not a folder; run this from the folder that holds exercises/, "
                                 "or pass --dir PATH", param_hint="--dir")
    exploration = experiment.explore_gradients(folder, seed=seed, steps=steps)
    click.echo(terminal_summary(exploration))
    out.write_text(render_page(exploration), encoding="utf-8")
    click.echo(f"Chart: {out}")


def terminal_summary(exploration: experiment.Exploration) -> str:
    distances = experiment.shown_distances(exploration)
    header = f"{'‖∂s_T/∂s_k‖':<13}" + "".join(f"{f'{d} step' + ('s' if d != 1 else ''):>22}" for d in distances)
    lines = [f"Gradient flow over T = {exploration.steps} steps (seed {exploration.seed}): yours / reference", header]
    for name, problem, values in experiment.summary_rows(exploration):
        lines.append(f"{name:<13}" + "".join(f"{f'{yours} / {reference}':>22}" for yours, reference in values))
        if problem:
            lines.append(f"{'':<13}your gradient_norms: {problem}")
    lines += [note for note in exploration.notes]
    sentence = experiment.verdict(exploration)
    return "\n".join(lines + ([sentence] if sentence else []))


def render_page(exploration: experiment.Exploration) -> str:
    return shared_environment(autoescape=True).get_template("explore_gradients.html.j2").render(
        exploration=exploration, chart=plots.log_norm_chart(exploration.curves()),
        rows=experiment.summary_rows(exploration), distances=experiment.shown_distances(exploration),
        sentence=experiment.verdict(exploration), hidden=experiment.H, inputs=experiment.D,
        forget_bias=experiment.FORGET_BIAS)
