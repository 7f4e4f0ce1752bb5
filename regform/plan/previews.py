"""Lifecycle previews in a plan: what a policy would do to a repository's images right now."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regform.plan.kinds import REPOSITORY, address


@dataclass(frozen=True, slots=True)
class LifecyclePreview:
    """What a lifecycle policy would do to a repository's images right now."""

    total: int
    expire: int
    transition: int
    keep: int
    #: the oldest few images affected, of each action: ``{"digest", "tags", "pushed_at",
    #: "action" ("expire" | "transition"), "rule_priority"}``.
    sample: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "expire": self.expire,
            "transition": self.transition,
            "keep": self.keep,
            "sample": [dict(s) for s in self.sample],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LifecyclePreview:
        return cls(
            total=d["total"],
            expire=d["expire"],
            transition=d["transition"],
            keep=d["keep"],
            sample=tuple(d.get("sample", ())),
        )


@dataclass(frozen=True, slots=True)
class RepositoryPreview:
    """A lifecycle preview of a repository the plan does not change (its policy is unchanged)."""

    registry: str
    name: str
    preview: LifecyclePreview
    #: the lifecycle definition's name in the config, for display, if any.
    lifecycle_name: str | None = None

    @property
    def address(self) -> str:
        return address(self.registry, REPOSITORY, self.name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "registry": self.registry,
            "name": self.name,
            "lifecycle_name": self.lifecycle_name,
            "preview": self.preview.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RepositoryPreview:
        return cls(
            registry=d["registry"],
            name=d["name"],
            preview=LifecyclePreview.from_dict(d["preview"]),
            lifecycle_name=d.get("lifecycle_name"),
        )
