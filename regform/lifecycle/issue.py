"""One problem found in a lifecycle policy document."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LifecycleIssue:
    #: path inside the ECR document: "rules[1].selection.countUnit" ("" for the whole document)
    path: str
    message: str
    #: index into the document's "rules" list the issue belongs to, when it belongs to one rule
    rule_index: int | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message
