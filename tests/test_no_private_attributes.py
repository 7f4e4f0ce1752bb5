"""regform uses its dependencies' public API only: no module under regform/ reads a private
attribute (``obj._x``, ``getattr(obj, "_x")``) of anything but its own instance or class, so a
boto3/botocore (or any library) release that renames its internals cannot break a plan."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "regform"
OWN = {"self", "cls"}


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """``line: expression`` for every private attribute read off another object."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            if isinstance(node.value, ast.Name) and node.value.id in OWN:
                continue
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "setattr", "hasattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_reads_another_objects_private_attributes() -> None:
    offenders = {
        str(path.relative_to(PACKAGE.parent)): uses
        for path in sorted(PACKAGE.rglob("*.py"))
        if (uses := private_uses(path.read_text()))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "client._endpoint.http_session",
        "x = session._session",
        "getattr(client, '_endpoint')",
        "signer._credentials",
    ],
)
def test_the_check_finds_private_reads(source: str) -> None:
    assert private_uses(source)


@pytest.mark.parametrize(
    "source", ["self._lock", "cls._registry", "client.meta.events", "obj.__class__"]
)
def test_the_check_allows_own_and_public_attributes(source: str) -> None:
    assert private_uses(source) == []
