"""A local evaluator of Harbor's tag retention: which artifacts a policy keeps and deletes.

Harbor's algorithm, as its source has it (goharbor/harbor, file @ commit):

* ``src/pkg/retention/launcher.go`` @ 0063430f6d8b: disabled rules are skipped; each rule picks
  the project's repositories its repository selector selects, and a repository gets a retention
  job only when some rule picked it. **The artifacts of a repository no rule selects are all
  kept** (no job runs there).
* ``src/pkg/retention/dep/client.go`` @ 09371b48e85a: a candidate is one artifact with all its
  tags; its push (pull) time is the latest of the artifact's and its tags' push (pull) times.
* ``src/pkg/retention/policy/alg/or/processor.go`` @ 09371b48e85a: each rule filters every
  candidate of the repository by its tag selectors, then its template retains some of the rest;
  rules are ORed (``algorithm: "or"``): the union of what they retain is kept, by digest
  (``src/lib/selector/candidate.go`` @ 1c59a5dd5aad ``Hash``).
* ``src/pkg/retention/policy/action/performer/performer.go`` @ 289786854c21: every other
  candidate of the repository is deleted, **except an immutable one** (``isImmutable``: the
  deletion is reported as an ``ImmutableError`` and the artifact stays, in a dry run too). The
  check is the immutable-tag matcher ``src/pkg/immutable/match/rule/match.go`` (read
  @ 490fe4e5b388) over the project's immutable rules when retention runs, with the candidate's
  repository (without the project) and all its tags: disabled rules are skipped; a rule
  counts when its first repository selector selects the repository and its first tag selector,
  built with extras ``{"untagged": false}``, selects the artifact (so ``matches`` any of its
  tags, ``excludes`` any tag outside the pattern, and an untagged artifact only under
  ``excludes``). One protected tag keeps the whole artifact, all its tags. A matcher error
  (a malformed pattern) counts as not immutable: that candidate is deleted.
* templates (``src/pkg/retention/policy/rule/*/evaluator.go``): ``latestPushedK`` the K most
  recently pushed (``latestps`` @ 0512dfce50d7), ``latestPulledN`` the N most recently pulled
  (``latestpl`` @ 09371b48e85a) -- both sort with Go's ``sort.Slice``, which is not stable, so
  Harbor leaves ties to chance; regform breaks them by digest --, ``nDaysSinceLastPush`` /
  ``nDaysSinceLastPull`` those pushed / pulled at or after now minus N days, to the second
  (``daysps`` @ 1165bd6d0c81, ``dayspl`` @ 289786854c21; never pulled = the zero time, never
  retained), ``always`` all of them (``always`` @ 327ef75b3ed4).
* the tag selector (``src/lib/selector/selectors/doublestar/selector.go`` @ c5c36201ee28): a
  tagged artifact passes ``matches`` when any of its tags matches the pattern, ``excludes`` when
  any of its tags does not. ``untagged`` says whether an untagged artifact counts as matching the
  pattern: ``matches`` selects it when ``untagged`` is true, **``excludes`` selects it when
  ``untagged`` is false** (its ``selector_test.go`` @ 09371b48e85a; the immutable-rule matcher
  ``src/pkg/immutable/match/rule/match.go`` @ 0765230f6afb relies on the same reading). Without
  extras Harbor defaults ``untagged`` to true for ``matches`` and false for ``excludes``: both
  select untagged artifacts.
* the repository selector: ``repoMatches`` selects a repository whose name (without the
  project) matches, ``repoExcludes`` one whose name does not.
* patterns are ``bmatcuk/doublestar`` v1 (:mod:`regform.providers.harbor.doublestar`). A
  malformed repository pattern fails the whole run (nothing is deleted); a malformed tag
  pattern fails the run of each repository that rule covers (nothing is deleted there).

The policy is the canonical document of :mod:`regform.providers.harbor.rules`. Images are
:class:`HarborArtifact` (an :class:`~regform.providers.base.Image` that knows its repository).
``evaluate`` and ``explain`` have the signatures of :mod:`regform.lifecycle`, so plan previews and
``regform lifecycle preview`` use them through ``Capabilities.lifecycle_engine``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from regform.lifecycle import Decision, Evaluation, Verdict
from regform.model import Image
from regform.providers.harbor import doublestar
from regform.providers.harbor.fields import IMMUTABLE_RULES

DELETE = "expire"  # the core's word for an image a policy removes
KEEP = "keep"
#: why an artifact retention does not retain is kept all the same
IMMUTABLE = "immutable"
#: previews read the project's immutable rules: they keep what retention would delete.
PREVIEW_FIELDS = frozenset({IMMUTABLE_RULES})
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HarborArtifact(Image):
    """An artifact of a Harbor project, with the repository (without the project) it is in:
    a project holds several repositories, and retention counts and selects per repository."""

    repository: str = ""


def matches(pattern: str, value: str) -> bool:
    return doublestar.match(pattern, value)


def _tag_selected(selector: Mapping[str, Any], artifact: HarborArtifact) -> bool:
    """The doublestar tag selector (``tagSelectMatch`` / ``tagSelectExclude``): a tagged
    artifact when any of its tags matches (``matches``) or does not match (``excludes``) the
    pattern; an untagged one when ``untagged`` is true (``matches``) or false (``excludes``)."""
    wanted: bool = selector["decoration"] == "matches"
    if not artifact.tags:
        return bool(selector.get("untagged")) == wanted
    return any(matches(selector["pattern"], t) == wanted for t in artifact.tags)


def _repo_selected(selector: Mapping[str, Any], repository: str) -> bool:
    hit = matches(selector["pattern"], repository)
    return hit if selector["decoration"] == "repoMatches" else not hit


def in_effect(policy: Mapping[str, Any], facts: Mapping[str, Any]) -> Mapping[str, Any]:
    """The retention document with the project's immutable rules (canonical, as
    :mod:`regform.providers.harbor.rules` has them) that protect artifacts from it."""
    return {**policy, IMMUTABLE_RULES: list(facts.get(IMMUTABLE_RULES) or ())}


def immutable(rules: Sequence[Mapping[str, Any]], artifact: HarborArtifact) -> bool:
    """Whether Harbor's immutable-tag matcher protects ``artifact`` (see the module docstring;
    goharbor/harbor ``src/pkg/immutable/match/rule/match.go``)."""
    try:
        for rule in rules:
            if rule.get("disabled"):
                continue
            if not _repo_selected(rule["repositories"], artifact.repository):
                continue
            if _tag_selected({**rule["tags"], "untagged": False}, artifact):
                return True
    except doublestar.BadPattern:  # isImmutable logs the error and answers false
        return False
    return False


def _retained(rule: Mapping[str, Any], candidates: list[HarborArtifact], now: datetime) -> set[int]:
    """Positions (in ``candidates``) the rule's template retains."""
    template, n = rule["template"], int(rule.get("value", 0))
    indexed = list(enumerate(candidates))
    if template == "always":
        return {i for i, _ in indexed}
    if template == "latestPushedK":
        ranked = sorted(indexed, key=lambda x: (x[1].pushed_at, x[1].digest), reverse=True)
        return {i for i, _ in ranked[:n]}
    if template == "latestPulledN":
        ranked = sorted(
            indexed, key=lambda x: (x[1].last_pulled_at or NEVER, x[1].digest), reverse=True
        )
        return {i for i, _ in ranked[:n]}
    cutoff = now - timedelta(days=n)
    if template == "nDaysSinceLastPush":
        return {i for i, a in indexed if a.pushed_at >= cutoff}
    if template == "nDaysSinceLastPull":
        return {i for i, a in indexed if (a.last_pulled_at or NEVER) >= cutoff}
    raise ValueError(f"unknown retention template {template!r}")


def _decide(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> list[tuple[Image, int | None, bool]]:
    """(image, 1-based number of the first rule retaining it, deleted?) for every image, before
    immutability (:func:`_verdicts`)."""
    rules = [
        (n, r) for n, r in enumerate(policy.get("rules") or (), start=1) if not r.get("disabled")
    ]
    by_repo: dict[str, list[HarborArtifact]] = {}
    for image in images:
        if not isinstance(image, HarborArtifact):
            raise ValueError("Harbor retention is evaluated over Harbor artifacts")
        by_repo.setdefault(image.repository, []).append(image)
    try:
        covering = {
            repo: [(n, r) for n, r in rules if _repo_selected(r["repositories"], repo)]
            for repo in by_repo
        }
    except doublestar.BadPattern:  # the launcher fails: no repository is processed
        covering = {repo: [] for repo in by_repo}
    out: list[tuple[Image, int | None, bool]] = []
    for repo, artifacts in by_repo.items():
        out.extend(_decide_repository(covering[repo], artifacts, now))
    return out


def _decide_repository(
    applicable: list[tuple[int, Mapping[str, Any]]], artifacts: list[HarborArtifact], now: datetime
) -> list[tuple[Image, int | None, bool]]:
    """One repository's retention job; without a rule selecting it there is none (all kept)."""
    keeper: dict[int, int] = {}
    try:
        for n, rule in applicable:
            positions = [i for i, a in enumerate(artifacts) if _tag_selected(rule["tags"], a)]
            chosen = _retained(rule, [artifacts[i] for i in positions], now)
            for p in sorted(chosen):
                keeper.setdefault(positions[p], n)
    except doublestar.BadPattern:  # the job fails before deleting anything
        applicable = []
    if not applicable:
        return [(a, None, False) for a in artifacts]
    return [(a, keeper.get(i), i not in keeper) for i, a in enumerate(artifacts)]


def _verdicts(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> list[tuple[Image, int | None, str | None]]:
    """(image, first rule retaining it, DELETE / IMMUTABLE / None (retained or untouched))."""
    protecting = policy.get(IMMUTABLE_RULES) or ()
    out: list[tuple[Image, int | None, str | None]] = []
    for image, rule, gone in _decide(policy, images, now):
        why = None
        if gone:  # only what retention would delete is checked (performer.go)
            assert isinstance(image, HarborArtifact)
            why = IMMUTABLE if immutable(protecting, image) else DELETE
        out.append((image, rule, why))
    return out


def _newest_first(images: Sequence[Image]) -> list[Image]:
    return sorted(images, key=lambda i: (i.pushed_at, i.digest), reverse=True)


def evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    """What ``policy`` does to ``images`` at ``now``: deleted artifacts oldest first (action
    ``expire``, numbered 0: no rule deletes, the policy does), kept ones newest first, and how
    many of those are kept only because they are immutable."""
    decided = _verdicts(policy, images, now)
    deleted = [img for img, _, why in decided if why == DELETE]
    kept = [img for img, _, why in decided if why != DELETE]
    held = sum(1 for _, _, why in decided if why == IMMUTABLE)
    return Evaluation(
        selected=tuple(Verdict(i, DELETE, 0) for i in reversed(_newest_first(deleted))),
        kept=tuple(_newest_first(kept)),
        kept_because=((IMMUTABLE, held),) if held else (),
    )


def explain(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> tuple[Decision, ...]:
    """A decision for every artifact, newest first: ``keep`` with the first rule retaining it
    (None when no rule's repository selector covers its repository, or when it is kept
    because it is immutable: ``kept_because``), or ``expire``."""
    decided = {id(img): (rule, why) for img, rule, why in _verdicts(policy, images, now)}
    return tuple(
        Decision(
            image=img,
            action=DELETE if decided[id(img)][1] == DELETE else KEEP,
            rule_priority=decided[id(img)][0],
            kept_because=IMMUTABLE if decided[id(img)][1] == IMMUTABLE else None,
        )
        for img in _newest_first(images)
    )
