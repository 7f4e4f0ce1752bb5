"""The full preview of one repository (``regform lifecycle preview``): every image with what a
lifecycle policy does to it, as data for the renderers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from regform.lifecycle import Decision
from regform.lifecycle.explain import EXPIRE, KEEP, TRANSITION
from regform.plan import LIFECYCLE_WORDS, PreviewWords


class PolicySource(StrEnum):
    #: the policy the configuration declares (what apply would set)
    CONFIG = "config"
    #: the policy currently in the registry (what the registry is about to do)
    REGISTRY = "registry"


@dataclass(frozen=True, slots=True)
class RepositoryReport:
    """Every image of one repository with what a lifecycle policy does to it, newest first."""

    registry: str
    repository: str
    source: PolicySource
    policy: Mapping[str, Any]
    evaluated_at: datetime
    decisions: tuple[Decision, ...]
    lifecycle_name: str | None = None
    #: what the images' time is ("pushed", or "created" where the registry records only that).
    image_time: str = "pushed"
    #: how the registry speaks of it (:attr:`Capabilities.preview_words`).
    words: PreviewWords = LIFECYCLE_WORDS

    def count(self, action: str) -> int:
        return sum(1 for d in self.decisions if d.action == action)

    def kept_because(self) -> dict[str, int]:
        """How many images are kept although the policy would remove them, by why."""
        found: dict[str, int] = {}
        for d in self.decisions:
            if d.kept_because:
                found[d.kept_because] = found.get(d.kept_because, 0) + 1
        return found

    def rule_description(self, priority: int | None) -> str | None:
        """The description of the rule with this priority, if it has one."""
        for rule in self.policy.get("rules") or ():
            if isinstance(rule, Mapping) and rule.get("rulePriority") == priority:
                description = rule.get("description")
                return str(description) if description else None
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "repository": self.repository,
            "policy_source": self.source.value,
            "lifecycle_name": self.lifecycle_name,
            "policy": _plain(self.policy),
            "evaluated_at": self.evaluated_at.isoformat(timespec="seconds"),
            "total": len(self.decisions),
            "expire": self.count(EXPIRE),
            "transition": self.count(TRANSITION),
            "keep": self.count(KEEP),
            **({"kept_because": held} if (held := self.kept_because()) else {}),
            "words": self.words.to_dict(),
            "images": [self._image(d) for d in self.decisions],
        }

    def _image(self, decision: Decision) -> dict[str, Any]:
        image = decision.image
        return {
            "digest": image.digest,
            "tags": list(image.tags),
            "pushed_at": _iso(image.pushed_at),
            "last_pulled_at": _iso(image.last_pulled_at),
            "storage_class": image.storage_class,
            "verdict": decision.action,
            "rule_priority": decision.rule_priority,
            "rule_description": self.rule_description(decision.rule_priority),
            "protected": decision.protected,
            **({"kept_because": why} if (why := decision.kept_because) else {}),
        }


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
