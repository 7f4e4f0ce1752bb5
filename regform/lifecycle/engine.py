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

import gc
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from heapq import nlargest
from operator import attrgetter, itemgetter, not_
from typing import Any

from regform.lifecycle.document import (
    ANY,
    ARCHIVE,
    COUNT_MORE_THAN,
    PREFIX_LIST,
    SECONDS_PER_DAY,
    SINCE_PULLED,
    SINCE_PUSHED,
    STANDARD,
    UNTAGGED,
)
from regform.lifecycle.matching import TagIndex
from regform.lifecycle.ranking import ACTIVATED, Ranking
from regform.lifecycle.references import protect_referenced
from regform.lifecycle.validate import validate_policy
from regform.model import Image


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
    #: of ``kept``, how many the policy would remove but the registry keeps, by why
    #: (``(("immutable", 2),)`` on Harbor: tag immutability); ECR has no such reason.
    kept_because: tuple[tuple[str, int], ...] = ()

    @property
    def expired(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "expire")

    @property
    def transitioned(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "transition")


#: fields of a repository besides its lifecycle policy that decide what the policy removes
#: (previews read them; :func:`in_effect` adds them): none for ECR.
PREVIEW_FIELDS: frozenset[str] = frozenset()


def in_effect(policy: Mapping[str, Any], facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """The document to evaluate: ``policy`` with the values of :data:`PREVIEW_FIELDS` in
    ``facts``. ECR's lifecycle policy alone decides what it expires."""
    return policy


def evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    """What ``policy`` does to ``images`` at time ``now``.

    Raises ValueError when the policy is not one ECR would accept. Times should be timezone-aware
    (naive times are read as local time).
    """
    issues = validate_policy(policy)
    if issues:
        raise ValueError("invalid lifecycle policy: " + "; ".join(map(str, issues)))
    with collector_paused():
        return _evaluate(policy, images, now)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector, then collect the young generation once.

    An evaluation creates one object per image acted on (100,000 images: ~100,000 verdicts).
    With the collector on, that triggers hundreds of young-generation passes that re-scan the
    survivors again and again, about a fifth of the run time. Nothing here creates reference
    cycles, so one pass at the end does the same work once.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


def _evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    ranking = Ranking.of(images)
    actions = apply_rules(policy["rules"], ranking, now.timestamp())
    protect_referenced(ranking, actions)
    ordered = ranking.ordered()
    chosen = sorted(actions)
    selected = tuple(
        map(
            Verdict,
            map(ordered.__getitem__, chosen),
            map(_ACTION, map(actions.__getitem__, chosen)),
            map(_PRIORITY, map(actions.__getitem__, chosen)),
        )
    )
    kept = tuple(map(ordered.__getitem__, sorted(set(range(len(ordered))) - set(chosen))[::-1]))
    return Evaluation(selected=selected, kept=kept)


_STORAGE_CLASS = attrgetter("storage_class")
_TAGS = attrgetter("tags")
_ACTION = itemgetter(0)
_PRIORITY = itemgetter(1)


def push_time(image: Image) -> datetime:
    """The push time ECR orders by: the restore time for an image restored from archive."""
    return image.last_activated_at or image.pushed_at


def pull_time(image: Image) -> datetime:
    """The time ``sinceImagePulled`` counts from."""
    recent = [t for t in (image.last_pulled_at, image.last_activated_at) if t is not None]
    return max(recent) if recent else image.pushed_at


def oldest_first(images: Sequence[Image]) -> list[Image]:
    """``images`` by push time, oldest first; equal times ordered by digest (then tags)."""
    return Ranking.of(images).ordered()


class _Selector:
    """The images a rule's selection matches; the sets several rules share are made once, when
    a rule first needs them."""

    def __init__(self, ranking: Ranking) -> None:
        images = ranking.images
        self.ranking = ranking
        self.classes = list(map(_STORAGE_CLASS, images))
        self.tags = list(map(_TAGS, images))
        self.standard = set(range(len(images)))
        if self.classes.count(STANDARD) < len(self.classes):
            self.standard -= ranking.positions_where(map(STANDARD.__ne__, self.classes))
        self._index: TagIndex | None = None
        self._untagged: set[int] | None = None
        self._archived: set[int] | None = None

    def in_class(self, sel: Mapping[str, Any]) -> set[int]:
        if sel.get("storageClass", STANDARD) == STANDARD:
            return self.standard
        if self._archived is None:
            self._archived = self.ranking.positions_where(map(ARCHIVE.__eq__, self.classes))
        return self._archived

    def matched(self, sel: Mapping[str, Any]) -> set[int]:
        in_class = self.in_class(sel)
        status = sel["tagStatus"]
        if status == ANY:
            return in_class
        if status == UNTAGGED:
            if self._untagged is None:
                self._untagged = self.ranking.positions_where(map(not_, self.tags))
            return self._untagged & in_class
        if self._index is None:
            self._index = TagIndex(self.tags, self.ranking.rank)
        if PREFIX_LIST in sel:
            return self._index.images_with_prefixes(sel[PREFIX_LIST]) & in_class
        return self._index.images_with_patterns(sel["tagPatternList"]) & in_class


def apply_rules(
    rules: Sequence[Mapping[str, Any]],
    ranking: Ranking,
    now: float,
    matched_by: dict[int, int] | None = None,
) -> dict[int, tuple[str, int]]:
    """position -> (action, rulePriority) for every image some rule acts on.

    When ``matched_by`` is given, it receives position -> rulePriority of the rule that matched
    each image (the only rule that may act on it), whether or not that rule acts on it.
    """
    selector = _Selector(ranking)
    #: restored images: their position follows the restore, not the push
    restored = (
        ranking.positions_where(map(ACTIVATED, ranking.images)) if ranking.restores else set()
    )
    claimed: set[int] = set()
    actions: dict[int, tuple[str, int]] = {}
    for rule in sorted(rules, key=lambda r: int(r["rulePriority"])):
        sel, priority = rule["selection"], int(rule["rulePriority"])
        matched = selector.matched(sel)
        free = matched - claimed
        claimed |= matched
        if matched_by is not None:
            matched_by.update(dict.fromkeys(free, priority))
        if free:
            chosen = _chosen(sel, matched, free, ranking, now, restored)
            actions.update(dict.fromkeys(chosen, (rule["action"]["type"], priority)))
    return actions


def _chosen(
    sel: Mapping[str, Any],
    matched: set[int],
    free: set[int],
    ranking: Ranking,
    now: float,
    restored: set[int],
) -> list[int]:
    """The positions of ``free`` (matched, not claimed by an earlier rule) the rule's count
    criterion selects."""
    number = int(sel["countNumber"])
    count_type = sel["countType"]
    if count_type == COUNT_MORE_THAN:
        if len(matched) <= number:
            return []
        # positions grow with push time: the ``number`` largest are the newest, kept
        if number * 8 < len(matched):
            first_kept = nlargest(number, matched)[-1]
        else:
            first_kept = sorted(matched)[len(matched) - number]
        return [p for p in free if p < first_kept]
    cutoff = now - number * SECONDS_PER_DAY
    if count_type != SINCE_PUSHED:
        return _older_than(count_type, cutoff, free, ranking)
    # push order is position order, except for restored images
    below = bisect_left(ranking.times, cutoff)
    chosen = [p for p in free if p < below]
    if restored:
        chosen = [p for p in chosen if p not in restored]
        chosen += _older_than(count_type, cutoff, free & restored, ranking)
    return chosen


def _older_than(count_type: str, cutoff: float, free: set[int], ranking: Ranking) -> list[int]:
    """Positions in ``free`` whose ``since*`` time is before ``cutoff`` (POSIX seconds)."""
    image = ranking.image
    if count_type == SINCE_PUSHED:
        return [p for p in free if image(p).pushed_at.timestamp() < cutoff]
    if count_type == SINCE_PULLED:
        return [p for p in free if pull_time(image(p)).timestamp() < cutoff]
    return [p for p in free if (t := image(p).archived_at) is not None and t.timestamp() < cutoff]
