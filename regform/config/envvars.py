"""Environment variables in config values: ``${VAR}``, ``${VAR:-default}``; ``$${`` writes ``${``.

Only ``${NAME}`` and ``${NAME:-default}`` with NAME = ``[A-Za-z_][A-Za-z0-9_]*`` are references.
Anything else that starts with ``${`` (an IAM policy variable such as ``${aws:username}``) is left
as written.

Variables that hold credentials are never read into the config: ``AWS_SECRET_ACCESS_KEY``,
``AWS_SESSION_TOKEN``, any name containing PASSWORD, PASSWD, SECRET or TOKEN, and the variables a
registry names in ``password_env`` or ``token_env``. A reference to one is refused (its value
is not substituted).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
CREDENTIAL_VARIABLES = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"})
_CREDENTIAL_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN")


def is_credential(name: str, password_vars: Collection[str] = ()) -> bool:
    """Whether the variable ``name`` holds a credential (and so may not be referenced)."""
    upper = name.upper()
    return (
        upper in CREDENTIAL_VARIABLES
        or any(word in upper for word in _CREDENTIAL_WORDS)
        or name in password_vars
    )


def refused_message(name: str) -> str:
    return (
        f"${{{name}}} refers to a variable that holds a credential; the config never reads "
        "credentials (ecr: profile, role_arn or the AWS environment; distribution: "
        "credentials: {username_env, password_env})"
    )


@dataclass(frozen=True, slots=True)
class Interpolated:
    value: str
    #: names referenced without a default and not set
    missing: tuple[str, ...]
    #: whether the text contained a reference or an escape
    changed: bool
    #: names refused because they hold credentials (nothing was substituted for them)
    refused: tuple[str, ...] = ()
    #: (name, value) of every variable whose value was substituted
    used: tuple[tuple[str, str], ...] = ()


def interpolate(
    text: str, env: Mapping[str, str], password_vars: Collection[str] = ()
) -> Interpolated:
    if "${" not in text:
        return Interpolated(text, (), False)
    missing: list[str] = []
    refused: list[str] = []
    used: list[tuple[str, str]] = []
    changed = False

    def replace(match: re.Match[str]) -> str:
        nonlocal changed
        changed = True
        if match.group(0) == "$${":
            return "${"
        name, default = match.group(1), match.group(2)
        if is_credential(name, password_vars):
            refused.append(name)
            return ""
        if name in env:
            used.append((name, env[name]))
            return env[name]
        if default is not None:
            return default
        missing.append(name)
        return ""

    value = _REFERENCE.sub(replace, text)
    return Interpolated(value, tuple(missing), changed, tuple(refused), tuple(used))
