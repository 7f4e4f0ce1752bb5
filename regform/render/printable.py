"""What a renderer lays out, with every string made printable first.

A plan (or a drift report) carries strings from files and registries: a saved plan someone edited,
a rule description in the config, a policy set by hand. Text and Markdown put them in lines of
their own; a line break or a terminal escape sequence inside one could start a line that looks
like regform's ("- team-a/api will be deleted"), or erase one. :func:`printable_values` returns the
same object with every string in it passed through :func:`regform.errors.printable`; JSON needs
none of this (its encoder escapes control characters).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

from regform.errors import printable

T = TypeVar("T")


def printable_values(value: T) -> T:
    """``value`` with every string in it (in dataclasses, tuples, lists, dicts, sets, as keys
    and values) made printable; the very same object when nothing needed it."""
    cleaned: T = _clean(value)
    return cleaned


def _clean(value: Any) -> Any:
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return printable(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            old = getattr(value, f.name)
            new = _clean(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [_clean(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, Mapping):
        pairs = [(_clean(k), _clean(v)) for k, v in value.items()]
        if all(k is a and v is b for (k, v), (a, b) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value
