"""Every error regform raises on purpose.

RegformError
├── ConfigError        the config is invalid; carries every issue (file:line:col, field, message)
├── ProviderError      a registry API call failed (message names the registry and operation)
│   ├── IdentityError  credentials belong to another account than ``account_id`` says
│   └── PartialApplyError  a change failed part way (says which steps were done)
├── UnsafePlanError    apply refused: destructive change or threshold without the flag
└── StalePlanError     a saved plan no longer matches the config or the registry
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class RegformError(Exception):
    """Base of all errors regform raises deliberately (the CLI prints them without traceback)."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in the config. ``path`` is the field path ("repositories[2].lifecycle")."""

    message: str
    path: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None

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
