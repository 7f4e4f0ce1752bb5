"""Environment variables in config values: ``${VAR}``, ``${VAR:-default}``; ``$${`` writes ``${``.

Only ``${NAME}`` and ``${NAME:-default}`` with NAME = ``[A-Za-z_][A-Za-z0-9_]*`` are references.
Anything else that starts with ``${`` (an IAM policy variable such as ``${aws:username}``) is left
as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Interpolated:
    value: str
    #: names referenced without a default and not set
    missing: tuple[str, ...]
    #: whether the text contained a reference or an escape
    changed: bool


def interpolate(text: str, env: Mapping[str, str]) -> Interpolated:
    if "${" not in text:
        return Interpolated(text, (), False)
    missing: list[str] = []
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        changed = True
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    value = _REFERENCE.sub(replace, text)
    return Interpolated(value, tuple(missing), changed)
