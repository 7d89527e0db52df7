"""The learner stubs and the references agree with the catalogue and with each other.

Every exercise function exists in ``exercises`` and ``solutions`` with the same signature, every
stub raises ``NotImplementedError`` naming itself, and no stub carries a solution.
"""
from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest

from grader.catalog import EXERCISES

ROOT = Path(__file__).resolve().parent.parent

FUNCTIONS = [(module, name) for module, names in EXERCISES.items() for name in names]
FUNCTION_IDS = [f"{module}.{name}" for module, name in FUNCTIONS]


def load(package, module):
    return importlib.import_module(f"{package}.{module}")


def placeholder(parameter):
    """Some well-typed argument for a stub; the stub must raise before looking at it."""
    name = parameter.name
    if name == "cell":
        return "gru"
    if name == "layers":
        return []
    if name.startswith("params"):
        return {}
    if name in ("d", "h", "num_layers"):
        return 2
    if name == "bidirectional":
        return False
    return np.zeros((1, 1))


@pytest.mark.parametrize("package", ["exercises", "solutions"])
@pytest.mark.parametrize("module", list(EXERCISES))
def test_module_defines_exactly_the_catalogued_functions(package, module):
    mod = load(package, module)
    public = {
        name for name, obj in vars(mod).items()
        if inspect.isfunction(obj) and obj.__module__ == mod.__name__ and not name.startswith("_")
    }
    assert public == set(EXERCISES[module])


@pytest.mark.parametrize("module,name", FUNCTIONS, ids=FUNCTION_IDS)
def test_stub_and_reference_share_a_signature(module, name):
    stub = getattr(load("exercises", module), name)
    reference = getattr(load("solutions", module), name)
    assert inspect.signature(stub) == inspect.signature(reference)


@pytest.mark.parametrize("module,name", FUNCTIONS, ids=FUNCTION_IDS)
def test_stub_raises_not_implemented_naming_itself(module, name):
    stub = getattr(load("exercises", module), name)
    args = [placeholder(p) for p in inspect.signature(stub).parameters.values()
            if p.default is inspect.Parameter.empty]
    with pytest.raises(NotImplementedError, match=name):
        stub(*args)


@pytest.mark.parametrize("module,name", FUNCTIONS, ids=FUNCTION_IDS)
def test_stub_documents_what_it_returns(module, name):
    doc = inspect.getdoc(getattr(load("exercises", module), name))
    assert doc and "Return" in doc


@pytest.mark.parametrize("module", list(EXERCISES))
def test_stub_bodies_hold_only_a_docstring_and_a_raise(module):
    tree = ast.parse((ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8"))
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert {f.name for f in functions} == set(EXERCISES[module])
    for function in functions:
        body = function.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        assert len(body) == 1 and isinstance(body[0], ast.Raise), function.name


@pytest.mark.parametrize("module", list(EXERCISES))
def test_stubs_do_not_import_the_references(module):
    source = (ROOT / "exercises" / f"{module}.py").read_text(encoding="utf-8")
    assert "solutions" not in source
