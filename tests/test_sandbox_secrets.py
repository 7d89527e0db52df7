"""Secrets installed inside a readable tree (``pip install .`` puts solutions/ in site-packages).

Landlock cannot carve a secret out of a tree it lets the child read, so such secrets must be hidden
by the mount namespace, and the sentinel check must measure them rather than skip them.
"""
from __future__ import annotations

import importlib.machinery
import json
from pathlib import Path

from grader.sandbox import confine as confine_module
from grader.sandbox.confine import REPO_ROOT, confine, file_isolation_active
from grader.sandbox import layers
from grader.sandbox.layers import run_in_fork
from grader.sandbox.limits import Limits


def test_packages_installed_outside_the_repository_are_secret(monkeypatch, tmp_path):
    installed = tmp_path / "site-packages" / "solutions"
    installed.mkdir(parents=True)

    def find_spec(name):
        spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
        spec.submodule_search_locations = [str(installed if name == "solutions" else REPO_ROOT / name)]
        return spec

    monkeypatch.setattr(confine_module.importlib.util, "find_spec", find_spec)
    assert confine_module.default_secret_paths() == [REPO_ROOT, installed]


def test_the_editable_install_adds_no_secret_beyond_the_repository():
    assert confine_module.installed_secret_paths() == []


def test_a_secret_nested_in_a_readable_tree_is_measured(tmp_path):
    site = tmp_path / "site"
    secret = site / "solutions" / "gates.py"
    assert confine_module._exposed(site / "numpy" / "x.py", [site], [REPO_ROOT, secret.parent])
    assert not confine_module._exposed(secret, [site], [REPO_ROOT, secret.parent])
    assert confine_module._exposed(REPO_ROOT / ".venv" / "pyvenv.cfg", [REPO_ROOT / ".venv"], [REPO_ROOT])


def _site_with_a_secret(tmp_path: Path) -> tuple[Path, Path, Path]:
    work, site = tmp_path / "work", tmp_path / "site"
    (site / "solutions").mkdir(parents=True)
    (site / "solutions" / "gates.py").write_text("ANSWER = 42\n")
    (site / "lib.py").write_text("ok\n")
    work.mkdir()
    for path in (tmp_path, work, site, site / "solutions"):
        path.chmod(0o755)
    return work, site, site / "solutions"


def _confined_status(work: Path, site: Path, secret: Path, without=()) -> dict:
    def body() -> str:
        status = confine(work, Limits(), [layers.REPORT_FD], [site], secret_paths=[REPO_ROOT, secret], without=without)
        status["lib"] = (site / "lib.py").read_text()
        return json.dumps(status)

    ok, detail = run_in_fork(body)
    assert ok, detail
    return json.loads(detail)


def test_mount_hiding_covers_a_secret_inside_a_readable_tree(tmp_path):
    work, site, secret = _site_with_a_secret(tmp_path)
    status = _confined_status(work, site, secret)
    assert status["lib"] == "ok\n" and file_isolation_active(status), status


def test_without_mount_hiding_the_nested_secret_is_reported_readable(tmp_path):
    work, site, secret = _site_with_a_secret(tmp_path)
    status = _confined_status(work, site, secret, without=("hide",))
    assert status["secrets"].startswith("unavailable: READABLE") and str(secret) in status["secrets"]
    assert not file_isolation_active(status)


def test_is_under_answers_as_pathlib_parents_do():
    """The fast containment test that decides what is hidden and what stays readable."""
    import itertools

    from grader.sandbox.layers import namespaces

    paths = ["/", "//", "/a", "/a/b", "/ab", "/a/bc", "//a", "//a/b", "a", "a/b", "ab", ".", "/a/b/c/d",
             str(REPO_ROOT), str(REPO_ROOT / ".venv" / "lib"), str(REPO_ROOT) + "-other"]
    for path, parent in itertools.product(map(Path, paths), repeat=2):
        expected = path == parent or parent in path.parents
        assert confine_module._is_under(path, parent) is expected, (path, parent)
        assert namespaces._is_under(path, parent) is expected, (path, parent)
