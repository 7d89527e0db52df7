"""Shared fixtures: a warm fork-server per test module and builders for learner submission folders."""
from __future__ import annotations

import os
import shutil
import textwrap
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from grader.check_service.place import SWITCH as CHECK_SERVICE_SWITCH
from grader.sandbox.client import ForkServer
from grader.sandbox.limits import Limits

# No test leaves a check service behind: a test of the service turns it on for its own commands.
os.environ[CHECK_SERVICE_SWITCH] = "0"

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
STUBS = REPO / "exercises"


@pytest.fixture(scope="module")
def sandbox():
    with ForkServer() as server:
        yield server


@contextmanager
def warm_fork_server(limits: Limits | None = None) -> Iterator[ForkServer]:
    """A started fork-server whose layers are already probed (the first run pays no probe)."""
    with ForkServer(limits) as server:
        server.layers()
        yield server


@pytest.fixture
def make_submission(tmp_path):
    """Build a learner folder: a copy of ``base`` (solutions or stubs) with some files replaced."""
    counter = iter(range(1000))

    def build(files: dict[str, str] | None = None, base: Path = SOLUTIONS) -> Path:
        folder = tmp_path / f"learner{next(counter)}"
        folder.mkdir()
        for path in base.glob("*.py"):
            if path.name != "__init__.py":
                shutil.copy(path, folder / path.name)
        for name, text in (files or {}).items():
            (folder / name).write_text(textwrap.dedent(text))
        return folder

    return build
