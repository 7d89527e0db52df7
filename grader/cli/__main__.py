"""``python -m grader.cli``: the ``grade`` command without an installed entry point."""
from grader.cli import main

main(prog_name="grade")
