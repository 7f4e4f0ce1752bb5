"""Retention enforced by regform, for registries with no lifecycle support of their own.

An OCI distribution registry stores no lifecycle policy, so there is nothing to "set": the declared
policy is evaluated by regform's lifecycle engine against the repository's images, and the plan
lists the manifests to delete. This module turns (policy, images, now) into that change. Pure:
no I/O.

The change (kind ``"images"``, action ``delete``, one per repository)::

    Change(registry="local", kind="images", name="team/app", action=Action.DELETE,
           before={"repository": "team/app", "lifecycle_name": "ci", "total": 9,
                   "images": [  # in deletion order: an index before what it references
                       {"digest": "sha256:...", "tags": ["v1"], "pushed_at": "2026-...",
                        "media_type": "...", "references": [...], "reason": "rule 1",
                        "rule_priority": 1, "size_bytes": 1234},
                       ...]},
           fields=(FieldChange("images", before=[digests], after=None,
                               diff=("- sha256:... v1 created 2026-01-01 (rule 1)", ...)),),
           notes=(...,), preview=LifecyclePreview(...))

Semantics, beyond the lifecycle engine's (which follows ECR):

* a manifest referenced by an index that stays is never deleted;
* when an index is deleted, its untagged children that no surviving index references go with it
  (the registry would otherwise keep them, unreachable); its tagged children stay and are
  evaluated again on their own, as the registry would present them on the next run, so that
  re-planning right after apply finds nothing more to delete;
* an image whose creation time is unknown carries :data:`UNDATED` as push time: it counts as the
  oldest image but is never deleted by a rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regform.documents.normalize import checksum
from regform.lifecycle import Verdict, evaluate
from regform.model import UNDATED, Image
from regform.plan import (
    IMAGES,
    RETENTION_WORDS,
    Action,
    Change,
    FieldChange,
    LifecyclePreview,
    PreviewWords,
)

#: images listed in a change's preview sample.
PREVIEW_SAMPLE = 10
GC_NOTE = (
    "storage is reclaimed when the registry runs garbage collection (registry garbage-collect)"
)


@dataclass(frozen=True, slots=True)
class Deletion:
    image: Image
    #: "rule 2", or "only referenced by sha256:... (deleted)"
    reason: str
    rule_priority: int | None = None


@dataclass(frozen=True, slots=True)
class Selection:
    """What enforcing a policy on one repository deletes, in deletion order."""

    deletions: tuple[Deletion, ...]
    total: int
    #: images without a creation time, left alone.
    undated: tuple[Image, ...] = ()


def _without(images: Mapping[str, Image], gone: Collection[str]) -> list[Image]:
    """Images still present, with references to deleted indexes dropped."""
    out = []
    for img in images.values():
        if img.digest in gone:
            continue
        parents = tuple(p for p in img.referenced_by if p not in gone)
        out.append(
            img if parents == img.referenced_by else dataclasses.replace(img, referenced_by=parents)
        )
    return out


def _keep_referenced(present: Sequence[Image], chosen: dict[str, Verdict]) -> None:
    """Drop from ``chosen`` every image an index that stays still references."""
    digests = {i.digest for i in present}
    parents: dict[str, set[str]] = {}
    for img in present:
        parents.setdefault(img.digest, set()).update(img.referenced_by)
        for child in img.references:
            parents.setdefault(child, set()).add(img.digest)
    changed = True
    while changed:
        changed = False
        for digest in list(chosen):
            if any(p in digests and p not in chosen for p in parents.get(digest, ())):
                del chosen[digest]
                changed = True


def _cascade(index: Image, images: Mapping[str, Image], gone: set[str]) -> list[Deletion]:
    """Untagged children left unreferenced once ``index`` (already in ``gone``) is deleted."""
    out: list[Deletion] = []
    for child_digest in index.references:
        child = images.get(child_digest)
        if child is None or child_digest in gone or child.tags:
            continue
        if all(p in gone for p in child.referenced_by):
            gone.add(child_digest)
            out.append(Deletion(child, f"only referenced by {index.digest} (deleted)"))
            out.extend(_cascade(child, images, gone))
    return out


def select_deletions(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> Selection:
    """Every manifest enforcing ``policy`` deletes now (see the module docstring)."""
    by_digest = {img.digest: img for img in images}
    gone: set[str] = set()
    deletions: list[Deletion] = []
    while True:
        present = _without(by_digest, gone)
        result = evaluate(policy, present, now)
        chosen = {
            v.image.digest: v
            for v in result.expired
            if v.image.digest not in gone and v.image.pushed_at != UNDATED
        }
        _keep_referenced(present, chosen)
        if not chosen:
            break
        new = [
            Deletion(by_digest[d], f"rule {v.rule_priority}", v.rule_priority)
            for d, v in chosen.items()
        ]
        gone.update(chosen)
        for d in list(new):
            if d.image.references:
                new.extend(_cascade(d.image, by_digest, gone))
        deletions.extend(new)
    undated = tuple(i for i in images if i.pushed_at == UNDATED and i.digest not in gone)
    return Selection(tuple(deletion_order(deletions)), len(images), undated)


def deletion_order(deletions: Sequence[Deletion]) -> list[Deletion]:
    """Indexes before the manifests they reference; otherwise oldest first, then by digest."""
    pending = sorted(deletions, key=lambda d: (d.image.pushed_at, d.image.digest))
    digests = {d.image.digest for d in pending}
    # parents[x] = deleted indexes referencing x that must go first
    parents = {d.image.digest: {p for p in d.image.referenced_by if p in digests} for d in pending}
    for d in pending:
        for child in d.image.references:
            if child in parents:
                parents[child].add(d.image.digest)
    out: list[Deletion] = []
    done: set[str] = set()
    while pending:
        ready = [d for d in pending if parents[d.image.digest] <= done]
        if not ready:  # a reference cycle cannot happen with content addressing; be safe anyway
            ready = pending[:1]
        for d in ready:
            out.append(d)
            done.add(d.image.digest)
        pending = [d for d in pending if d.image.digest not in done]
    return out


def _when(img: Image) -> str | None:
    return None if img.pushed_at == UNDATED else img.pushed_at.isoformat()


def _entry(d: Deletion) -> dict[str, Any]:
    img = d.image
    entry: dict[str, Any] = {
        "digest": img.digest,
        "tags": sorted(img.tags),
        "pushed_at": _when(img),
        "media_type": img.media_type,
        "reason": d.reason,
        "rule_priority": d.rule_priority,
        "size_bytes": img.size_bytes,
    }
    if img.references:
        entry["references"] = list(img.references)
    return entry


def _diff_line(entry: Mapping[str, Any], image_time: str) -> str:
    tags = ", ".join(entry["tags"]) if entry["tags"] else "<untagged>"
    when = str(entry["pushed_at"])[:19] if entry["pushed_at"] else "unknown time"
    return f"- {entry['digest']}  {tags}  {image_time} {when}  ({entry['reason']})"


def enforcement_change(
    registry: str,
    repository: str,
    policy: Mapping[str, Any],
    images: Sequence[Image],
    now: datetime,
    *,
    lifecycle_name: str | None = None,
    image_time: str = "created",
    words: PreviewWords = RETENTION_WORDS,
) -> Change | None:
    """The image-deletion change for one repository, or None when nothing is to be deleted.
    ``image_time`` says what an image's time is (:attr:`Capabilities.image_time`): registries
    without lifecycle of their own record when an image was created, not pushed. ``words``
    are the ones its preview speaks (:attr:`Capabilities.preview_words`)."""
    selection = select_deletions(policy, images, now)
    if not selection.deletions:
        return None
    entries = [_entry(d) for d in selection.deletions]
    n, total = len(entries), selection.total
    policy_name = f"lifecycle {lifecycle_name!r}" if lifecycle_name else "the lifecycle policy"
    notes = [
        f"{policy_name} enforced by regform: each manifest is deleted by digest, with every tag "
        "pointing at it"
    ]
    if selection.undated:
        notes.append(f"{len(selection.undated)} images have no creation time and are left alone")
    notes.append(GC_NOTE)
    field = FieldChange(
        path=IMAGES,
        before=[e["digest"] for e in entries],
        after=None,
        diff=tuple(_diff_line(e, image_time) for e in entries),
    )
    sample = tuple(
        {"digest": e["digest"], "tags": e["tags"], "pushed_at": e["pushed_at"], "action": "expire"}
        for e in entries[:PREVIEW_SAMPLE]
    )
    return Change(
        registry=registry,
        kind=IMAGES,
        name=repository,
        action=Action.DELETE,
        fields=(field,),
        before={
            "repository": repository,
            "lifecycle_name": lifecycle_name,
            "total": total,
            "images": entries,
        },
        notes=tuple(notes),
        preview=LifecyclePreview(
            total=total, expire=n, transition=0, keep=total - n, sample=sample, words=words
        ),
    )


def images_state(images: Sequence[Image]) -> list[dict[str, Any]]:
    """What of a repository's images a plan depends on, JSON-compatible and ordered."""
    return [
        {
            "digest": i.digest,
            "tags": sorted(i.tags),
            "pushed_at": _when(i),
            "references": list(i.references),
        }
        for i in sorted(images, key=lambda i: i.digest)
    ]


def images_checksum(images_by_repository: Mapping[str, Sequence[Image]]) -> str:
    """sha256 of the images of several repositories (images pushed or deleted change it)."""
    return checksum(
        {name: images_state(imgs) for name, imgs in sorted(images_by_repository.items())}
    )


def unsupported_rules(policy: Mapping[str, Any]) -> list[str]:
    """Why rules of ``policy`` cannot be enforced without native lifecycle support (archive
    storage and pull times do not exist on such registries); empty when all can."""
    problems: list[str] = []
    for i, rule in enumerate(policy.get("rules") or ()):
        if not isinstance(rule, Mapping):
            continue
        selection = rule.get("selection") or {}
        action = rule.get("action") or {}
        where = f"rule {rule.get('rulePriority', i + 1)}"
        if action.get("type") == "transition":
            problems.append(f"{where}: archiving is not possible here (only expire)")
        if selection.get("storageClass") == "archive":
            problems.append(f"{where}: there is no archive storage class here")
        if selection.get("countType") == "sinceImagePulled":
            problems.append(f"{where}: pull times are not recorded here (not_pulled_for_days)")
        if selection.get("countType") == "sinceImageTransitioned":
            problems.append(f"{where}: images are never archived here (archived_for_days)")
    return problems
