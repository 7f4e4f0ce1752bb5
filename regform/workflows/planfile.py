"""Reading a saved plan (``regform plan --out``) without trusting it.

The file is read like any untrusted input (capped, regular files only), parsed as JSON, and checked
against the plan schema (``plan.schema.json`` next to this module) before anything is built from
it, so that a malformed file gets one plain message naming the file and where the problem is.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from regform.errors import RegformError, excerpt
from regform.files import FileProblem, read_limited
from regform.plan import FORMAT_VERSION, Plan

MAX_PLAN_BYTES = 256 * 1024 * 1024
_MAJOR = FORMAT_VERSION.split(".")[0]


class PlanFileError(RegformError):
    """A saved plan that cannot be read or is not a regform plan."""


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    text = resources.files(__package__ or "regform.workflows").joinpath("plan.schema.json")
    return Draft202012Validator(json.loads(text.read_text("utf-8")))


def _where(path: Any) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _deepest(error: Any) -> Any:
    """The error inside a ``oneOf`` that says what is wrong (``words.item: 5 is not of type
    'string'``), rather than the ``oneOf`` itself: the deepest one, a wrong type last."""
    while error.context:
        error = max(error.context, key=lambda e: (len(e.absolute_path), _rank(e)))
    return error


def _rank(error: Any) -> int:
    """Which of several errors at one place to name: a wrong type first, then a broken rule,
    then a control character; not being null (the other branch of a ``oneOf``) last."""
    if error.validator == "type":
        return 0 if error.validator_value == "null" else 3
    return 1 if error.validator == "not" else 2


def _describe(error: Any) -> str:
    """The problem in a few words, quoting at most an excerpt of the value."""
    value = error.instance
    shown = excerpt(value) if isinstance(value, str) else _kind(value)
    if error.validator == "maxLength":
        return f"{shown} is longer than {error.validator_value} characters"
    if error.validator == "not" and isinstance(value, str):
        return f"{shown} holds a control character or a line break"
    if len(error.message) <= 120:
        return str(error.message)
    return f"{shown} does not satisfy the schema's {error.validator!r} rule"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return excerpt(json.dumps(value))


def parse_plan(text: str, source: str) -> Plan:
    """The plan in ``text`` (read from ``source``, named in errors); :class:`PlanFileError` else."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(
            f"{source}:{exc.lineno}:{exc.colno}: not a regform plan: invalid JSON ({exc.msg})"
        ) from None
    except RecursionError:
        raise PlanFileError(f"{source}: not a regform plan: JSON nested too deeply") from None
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} value"
        raise PlanFileError(f"{source}: not a regform plan: expected a JSON object, got {kind}")
    version = data.get("format_version")
    if version is not None and str(version).split(".")[0] != _MAJOR:
        raise PlanFileError(
            f"{source}: plan format_version {excerpt(version)} is not supported "
            f"(this regform reads {_MAJOR}.x)"
        )
    errors = sorted(
        _validator().iter_errors(data),
        key=lambda e: (list(e.absolute_path), -_rank(e)),
    )
    if errors:
        error = _deepest(errors[0])
        where = _where(error.absolute_path) or "(top level)"
        message = _describe(error)
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise PlanFileError(f"{source}: {where}: not a regform plan: {message}{more}")
    return Plan.from_dict(data)


def read_plan(path: str) -> Plan:
    """The saved plan at ``path``; :class:`PlanFileError` naming the file and the problem."""
    try:
        raw = read_limited(path, MAX_PLAN_BYTES, what="plan files")
    except FileProblem as exc:
        raise PlanFileError(f"cannot read plan file {path}: {exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PlanFileError(
            f"{path}: not a regform plan: not UTF-8 (byte offset {exc.start})"
        ) from None
    return parse_plan(text, path)
