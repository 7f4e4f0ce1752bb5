"""Evaluate an ECR lifecycle policy over images, exactly as ECR documents it.

The algorithm follows the evaluation rules of the ECR user guide ("Automate the cleanup of images
by using lifecycle policies") and reproduces every worked example of "Examples of lifecycle
policies":

* rules apply in ``rulePriority`` order, lowest number first; a rule sees only images of its
  storage class (``standard`` unless the rule says ``archive``);
* an image is acted on by at most one rule: once a rule *matches* an image (storage class, tag
  status and tag lists), no later rule may act on it, whether or not the matching rule did;
* such an image still occupies a slot in a later ``imageCountMoreThan`` window;
* ``imageCountMoreThan N`` keeps the N most recently pushed matching images (push time is
  ``last_activated_at`` for an image restored from archive); ties are broken by digest, so the
  result never depends on input order;
* ``sinceImagePushed N``: pushed more than N days before ``now`` (strictly: an image pushed
  exactly N days ago stays);
* ``sinceImagePulled N``: last pulled more than N days ago; an image never pulled counts from its
  push, and one restored from archive and not pulled since counts from its restore;
* ``sinceImageTransitioned N``: archived more than N days ago (an archived image with no archive
  time is never selected);
* an image referenced by a manifest list (index) in the input is never expired unless that index
  is expired in the same evaluation, and never archived unless the index is archived or expired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regform.lifecycle.document import (
    ANY,
    ARCHIVE,
    COUNT_MORE_THAN,
    EXPIRE,
    PREFIX_LIST,
    SECONDS_PER_DAY,
    SINCE_PULLED,
    SINCE_PUSHED,
    STANDARD,
    TRANSITION,
    UNTAGGED,
)
from regform.lifecycle.matching import TagIndex
from regform.lifecycle.validate import validate_policy
from regform.providers.base import Image


@dataclass(frozen=True, slots=True)
class Verdict:
    image: Image
    action: str  # "expire" | "transition"
    rule_priority: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    #: images a rule acts on, oldest first
    selected: tuple[Verdict, ...]
    #: images no rule acts on, newest first
    kept: tuple[Image, ...]

    @property
    def expired(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "expire")

    @property
    def transitioned(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "transition")


def evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    """What ``policy`` does to ``images`` at time ``now``.

    Raises ValueError when the policy is not one ECR would accept. Times should be timezone-aware
    (naive times are read as local time).
    """
    issues = validate_policy(policy)
    if issues:
        raise ValueError("invalid lifecycle policy: " + "; ".join(map(str, issues)))
    # Positions in oldest-first order are the currency of everything below.
    ordered = sorted(images, key=_age_key)
    actions = _apply_rules(policy["rules"], ordered, now.timestamp())
    _protect_referenced(ordered, actions)
    selected = tuple(
        Verdict(ordered[p], act, priority) for p, (act, priority) in sorted(actions.items())
    )
    kept = tuple(ordered[p] for p in range(len(ordered) - 1, -1, -1) if p not in actions)
    return Evaluation(selected=selected, kept=kept)


def push_time(image: Image) -> datetime:
    """The push time ECR orders by: the restore time for an image restored from archive."""
    return image.last_activated_at or image.pushed_at


def pull_time(image: Image) -> datetime:
    """The time ``sinceImagePulled`` counts from."""
    recent = [t for t in (image.last_pulled_at, image.last_activated_at) if t is not None]
    return max(recent) if recent else image.pushed_at


def _age_key(image: Image) -> tuple[float, str, tuple[str, ...]]:
    return (push_time(image).timestamp(), image.digest, image.tags)


def _apply_rules(
    rules: Sequence[Mapping[str, Any]], ordered: Sequence[Image], now: float
) -> dict[int, tuple[str, int]]:
    """position -> (action, rulePriority) for every image some rule acts on."""
    by_class: dict[str, set[int]] = {STANDARD: set(), ARCHIVE: set()}
    untagged: set[int] = set()
    for p, image in enumerate(ordered):
        members = by_class.get(image.storage_class)
        if members is not None:
            members.add(p)
        if not image.tags:
            untagged.add(p)
    index: TagIndex | None = None

    claimed: set[int] = set()
    actions: dict[int, tuple[str, int]] = {}
    for rule in sorted(rules, key=lambda r: int(r["rulePriority"])):
        sel, priority = rule["selection"], int(rule["rulePriority"])
        in_class = by_class[sel.get("storageClass", STANDARD)]
        status = sel["tagStatus"]
        if status == ANY:
            matched = in_class
        elif status == UNTAGGED:
            matched = untagged & in_class
        else:
            if index is None:
                index = TagIndex([image.tags for image in ordered])
            if PREFIX_LIST in sel:
                matched = index.images_with_prefixes(sel[PREFIX_LIST]) & in_class
            else:
                matched = index.images_with_patterns(sel["tagPatternList"]) & in_class
        free = matched - claimed
        claimed |= matched
        if not free:
            continue
        number = int(sel["countNumber"])
        count_type = sel["countType"]
        if count_type == COUNT_MORE_THAN:
            if len(matched) <= number:
                continue
            # positions grow with push time: the ``number`` largest are the newest, kept
            first_kept = sorted(matched)[len(matched) - number]
            chosen = [p for p in free if p < first_kept]
        else:
            cutoff = now - number * SECONDS_PER_DAY
            when = _time_of(count_type)
            chosen = [p for p in free if (t := when(ordered[p])) is not None and t < cutoff]
        act = rule["action"]["type"]
        for p in chosen:
            actions[p] = (act, priority)
    return actions


def _time_of(count_type: str) -> Callable[[Image], float | None]:
    """Function image -> POSIX time the ``since*`` count type measures from (None: never)."""
    if count_type == SINCE_PUSHED:
        return lambda image: image.pushed_at.timestamp()
    if count_type == SINCE_PULLED:
        return lambda image: pull_time(image).timestamp()
    return lambda image: image.archived_at.timestamp() if image.archived_at else None


def _protect_referenced(ordered: Sequence[Image], actions: dict[int, tuple[str, int]]) -> None:
    """Drop the action on every image a surviving manifest list (index) still references."""
    positions: dict[str, list[int]] = {}
    for p, image in enumerate(ordered):
        positions.setdefault(image.digest, []).append(p)
    parents: dict[int, set[str]] = {}
    for p, image in enumerate(ordered):
        for parent in image.referenced_by:
            if parent in positions and parent != image.digest:
                parents.setdefault(p, set()).add(parent)
        for child in image.references:
            for c in positions.get(child, ()):
                if child != image.digest:
                    parents.setdefault(c, set()).add(image.digest)
    if not parents:
        return

    def releases(parent: str, act: str) -> bool:
        """Whether ``parent`` lets its children be acted on with ``act``."""
        for q in positions[parent]:
            parent_act = actions.get(q, (None, 0))[0]
            if parent_act == EXPIRE:
                continue
            if act == TRANSITION and (
                parent_act == TRANSITION or ordered[q].storage_class == ARCHIVE
            ):
                continue
            return False
        return True

    changed = True
    while changed:  # dropping an index's action can protect its own children: repeat
        changed = False
        for p, names in parents.items():
            current = actions.get(p)
            if current is not None and not all(releases(q, current[0]) for q in names):
                del actions[p]
                changed = True
