"""Every documented constraint on an ECR lifecycle policy. (To be implemented.)"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class LifecycleIssue:
    #: path inside the ECR document: "rules[1].selection.countUnit" ("" for the whole document)
    path: str
    message: str
    #: index into the document's "rules" list the issue belongs to, when it belongs to one rule
    rule_index: int | None = None


def validate_policy(doc: Any) -> list[LifecycleIssue]:
    """All problems ECR would reject, in document order (empty list: valid)."""
    raise NotImplementedError
