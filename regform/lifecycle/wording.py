"""How validation messages name keys, values and choices."""

from __future__ import annotations

import difflib
import json
from collections.abc import Sequence
from typing import Any

from regform.lifecycle.document import ACTION_KEYS, SELECTION_KEYS


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def choices(options: Sequence[str], *, quote: bool = True) -> str:
    shown = [f'"{o}"' if quote else o for o in options]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


def enum_message(name: str, value: Any, options: Sequence[str]) -> str:
    hint = did_you_mean(value, options) if isinstance(value, str) else ""
    if len(options) == 1:
        return f"{name} must be {choices(options)}, not {show(value)}{hint}."
    return f"{name} must be one of {choices(options)}, not {show(value)}{hint}."


def unknown_message(key: Any, allowed: Sequence[str], where: str) -> str:
    name = str(key)
    hint = did_you_mean(name, allowed)
    if not hint:
        home = home_of(name)
        if home:
            hint = f' (it belongs in "{home}")'
    return f'Unknown key "{name}" in {where}{hint}.'


def home_of(key: str) -> str | None:
    if key in SELECTION_KEYS:
        return "selection"
    if key in ACTION_KEYS:
        return "action"
    return None


def did_you_mean(value: Any, options: Sequence[str]) -> str:
    if not isinstance(value, str):
        return ""
    lowered = {o.lower(): o for o in options}
    match = lowered.get(value.lower())
    if match is None:
        close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
        match = lowered[close[0]] if close else None
    return f' (did you mean "{match}"?)' if match else ""
