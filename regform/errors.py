"""Every error regform raises on purpose.

RegformError
├── ConfigError        the config is invalid; carries every issue (file:line:col, field, message)
├── ProviderError      a registry API call failed (message names the registry and operation)
│   ├── IdentityError  credentials belong to another account than ``account_id`` says
│   └── PartialApplyError  a change failed part way (says which steps were done)
├── UnsafePlanError    apply refused: destructive change or threshold without the flag
└── StalePlanError     a saved plan no longer matches the config or the registry
    └── PlanAppliedError  ... but a plan made now changes nothing (it was applied already?)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

#: the longest excerpt of a value any message quotes
EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A value quoted for a message: escaped (``repr``), and at most ``limit`` characters of it
    (then ``...`` and its length), so that no message carries a whole file or a long secret."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def unset_variables(names: Sequence[str]) -> str:
    """``environment variable A is not set or empty``, or for several: ``environment variables
    A and B are not set or empty`` (``A, B and C``)."""
    if len(names) == 1:
        return f"environment variable {names[0]} is not set or empty"
    listed = f"{', '.join(names[:-1])} and {names[-1]}"
    return f"environment variables {listed} are not set or empty"


def printable(text: str) -> str:
    """``text`` with every character that is not printable (control characters, terminal
    escape sequences, line breaks, bidirectional overrides) written as its escape (``\\x1b``,
    ``\\n``, ``\\u202e``): shown, it can neither move the cursor nor start a line of its own."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class RegformError(Exception):
    """Base of all errors regform raises deliberately (the CLI prints them without traceback)."""


#: the longest message an issue carries
MAX_MESSAGE_CHARS = 600
#: a quoted value with no white space in it (names, keys, URLs): quoted text with spaces is
#: the message's own, and a long value with spaces is caught by the length cap
_LONG_QUOTED = re.compile(rf"'([^'\s]{{{EXCERPT_CHARS + 1},}})'")


def bounded(message: str) -> str:
    """A message with every long quoted value cut to an excerpt, control characters escaped,
    and at most ``MAX_MESSAGE_CHARS`` long (whatever value it quotes)."""
    message = _LONG_QUOTED.sub(lambda m: excerpt(m.group(1)), message)
    if len(message) > MAX_MESSAGE_CHARS:
        message = f"{message[:MAX_MESSAGE_CHARS]}... ({len(message):,} characters)"
    return printable(message)


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the config. ``path`` is the field path ("repositories[2].lifecycle").

    The message and path are :func:`bounded`: no issue prints a whole value, however long."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", bounded(self.message))
        if len(self.path) > EXCERPT_CHARS * 4 or not self.path.isprintable():
            object.__setattr__(self, "path", bounded(excerpt(self.path, EXCERPT_CHARS * 4)))

    def __str__(self) -> str:
        where = self.file or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class ConfigError(RegformError):
    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        n = len(self.issues)
        super().__init__(
            f"{n} error{'s' if n != 1 else ''} in config:\n" + "\n".join(map(str, self.issues))
        )


class ProviderError(RegformError):
    pass


class IdentityError(ProviderError):
    pass


class PartialApplyError(ProviderError):
    """One change failed at ``failed`` (a step: "policy") after ``done`` ("created", ...)."""

    def __init__(self, message: str, *, done: Sequence[str], failed: str) -> None:
        super().__init__(message)
        self.done = tuple(done)
        self.failed = failed


class UnsafePlanError(RegformError):
    pass


class StalePlanError(RegformError):
    pass


class PlanAppliedError(StalePlanError):
    """A saved plan is stale, and a plan made now from the same configuration has no changes:
    the registries already match it (most likely, the plan was applied already)."""
