"""Lifecycle previews in a plan: what a policy would do to a repository's images right now, in
the registry's words (:class:`PreviewWords`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regform.plan.kinds import REPOSITORY, address


@dataclass(frozen=True, slots=True)
class PreviewWords:
    """How a registry speaks of what its lifecycle previews count: ``lifecycle would expire 3 of
    8 images`` on ECR, ``retention would delete 3 of 8 artifacts`` on Harbor. Plans carry them
    with each preview, so that renderers only put them in place."""

    #: what decides: ``lifecycle`` (ECR's lifecycle policies), ``retention`` (Harbor's tag
    #: retention; the retention regform enforces itself).
    policy: str = "lifecycle"
    #: what happens to an image the policy selects: ``expire`` (ECR), ``delete``.
    remove: str = "expire"
    #: what is counted, one and several: ``image``/``images``, ``artifact``/``artifacts``.
    item: str = "image"
    items: str = "images"
    #: what the policy's ``transition`` action is called, where the registry has one (ECR's
    #: archive storage class); None where it has none.
    archive: str | None = "archive"
    #: what holds them: ``repository``; ``project`` on Harbor.
    holder: str = "repository"

    def count(self, n: int) -> str:
        """``1 image``, ``40 artifacts``."""
        return f"{n} {self.item if n == 1 else self.items}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "remove": self.remove,
            "item": self.item,
            "items": self.items,
            "archive": self.archive,
            "holder": self.holder,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PreviewWords:
        archive = data.get("archive")
        return cls(
            policy=str(data["policy"]),
            remove=str(data["remove"]),
            item=str(data["item"]),
            items=str(data["items"]),
            archive=None if archive is None else str(archive),
            holder=str(data.get("holder", "repository")),
        )


#: ECR's words, and those of a plan saved before plans carried words.
LIFECYCLE_WORDS = PreviewWords()
#: the words of retention regform enforces itself (a registry without lifecycle of its own).
RETENTION_WORDS = PreviewWords(policy="retention", remove="delete", archive=None)


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
    #: how the registry speaks of it (``retention would delete 3 of 8 artifacts`` on Harbor);
    #: ``expire`` and ``transition`` keep their names whatever the words.
    words: PreviewWords = LIFECYCLE_WORDS
    #: of ``keep``, how many the policy would remove but the registry keeps, by why:
    #: ``(("immutable", 1),)`` on Harbor (tag immutability); empty elsewhere.
    kept_because: tuple[tuple[str, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = {
            "total": self.total,
            "expire": self.expire,
            "transition": self.transition,
            "keep": self.keep,
            "sample": [dict(s) for s in self.sample],
            "words": self.words.to_dict(),
        }
        if self.kept_because:
            out["kept_because"] = dict(self.kept_because)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> LifecyclePreview:
        return cls(
            total=d["total"],
            expire=d["expire"],
            transition=d["transition"],
            keep=d["keep"],
            sample=tuple(d.get("sample", ())),
            words=PreviewWords.from_dict(d["words"]) if d.get("words") else LIFECYCLE_WORDS,
            kept_because=tuple(
                (str(k), int(n)) for k, n in sorted((d.get("kept_because") or {}).items())
            ),
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
