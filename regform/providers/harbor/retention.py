"""A local evaluator of Harbor's tag retention: which artifacts a policy keeps and deletes.

Harbor's algorithm (api-facts.md "Tag retention"; goharbor/harbor ``src/pkg/retention``):

* rules say what to **retain**; disabled rules do nothing;
* a repository is processed only when some rule's repository selector selects it; the
  artifacts of a repository no rule selects are all kept;
* in a processed repository each rule first filters the artifacts by its tag selector, then its
  template retains some of them: ``latestPushedK`` the K most recently pushed,
  ``latestPulledN`` the N most recently pulled, ``nDaysSinceLastPush`` / ``nDaysSinceLastPull``
  those pushed / pulled within the last N days, ``always`` all of them;
* rules are ORed (``algorithm: "or"``): an artifact is kept if any rule retains it; every other
  artifact of the repository is deleted.

The policy is the canonical document of :mod:`regform.providers.harbor.rules`. Images are
:class:`HarborArtifact` (an :class:`~regform.providers.base.Image` that knows its repository).
``evaluate`` and ``explain`` have the signatures of :mod:`regform.lifecycle`, so plan previews and
``regform lifecycle preview`` use them through ``Capabilities.lifecycle_engine``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from regform.lifecycle import Decision, Evaluation, Verdict
from regform.model import Image

DELETE = "expire"  # the core's word for an image a policy removes
KEEP = "keep"
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HarborArtifact(Image):
    """An artifact of a Harbor project, with the repository (without the project) it is in:
    a project holds several repositories, and retention counts and selects per repository."""

    repository: str = ""


@lru_cache(maxsize=512)
def _regex(pattern: str) -> re.Pattern[str]:
    """A doublestar pattern as a regex: ``**`` anything, ``*`` anything but ``/``, ``?`` one
    character, ``{a,b}`` alternatives."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "{":
            out.append("(?:")
        elif ch == "}":
            out.append(")")
        elif ch == ",":
            out.append("|")
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.S)


def matches(pattern: str, value: str) -> bool:
    return _regex(pattern).match(value) is not None


def _tag_selected(selector: Mapping[str, Any], artifact: HarborArtifact) -> bool:
    """The doublestar tag selector (src ``lib/selector/selectors/doublestar``): an untagged
    artifact is selected only when ``untagged``; a tagged one when any of its tags passes the
    filter: a tag that matches (``matches``), or one that does not (``excludes``)."""
    if not artifact.tags:
        return bool(selector.get("untagged"))
    wanted = selector["decoration"] == "matches"
    return any(matches(selector["pattern"], t) == wanted for t in artifact.tags)


def _repo_selected(selector: Mapping[str, Any], repository: str) -> bool:
    hit = matches(selector["pattern"], repository)
    return hit if selector["decoration"] == "repoMatches" else not hit


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
    """(image, 1-based number of the first rule retaining it, deleted?) for every image."""
    rules = [
        (n, r) for n, r in enumerate(policy.get("rules") or (), start=1) if not r.get("disabled")
    ]
    by_repo: dict[str, list[HarborArtifact]] = {}
    for image in images:
        if not isinstance(image, HarborArtifact):
            raise ValueError("Harbor retention is evaluated over Harbor artifacts")
        by_repo.setdefault(image.repository, []).append(image)
    out: list[tuple[Image, int | None, bool]] = []
    for repo, artifacts in by_repo.items():
        applicable = [(n, r) for n, r in rules if _repo_selected(r["repositories"], repo)]
        if not applicable:
            out.extend((a, None, False) for a in artifacts)
            continue
        keeper: dict[int, int] = {}
        for n, rule in applicable:
            positions = [i for i, a in enumerate(artifacts) if _tag_selected(rule["tags"], a)]
            chosen = _retained(rule, [artifacts[i] for i in positions], now)
            for p in sorted(chosen):
                keeper.setdefault(positions[p], n)
        out.extend((a, keeper.get(i), i not in keeper) for i, a in enumerate(artifacts))
    return out


def _newest_first(images: Sequence[Image]) -> list[Image]:
    return sorted(images, key=lambda i: (i.pushed_at, i.digest), reverse=True)


def evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    """What ``policy`` does to ``images`` at ``now``: deleted artifacts oldest first (action
    ``expire``, numbered 0: no rule deletes, the policy does), kept ones newest first."""
    decided = _decide(policy, images, now)
    deleted = [img for img, _, gone in decided if gone]
    kept = [img for img, _, gone in decided if not gone]
    return Evaluation(
        selected=tuple(Verdict(i, DELETE, 0) for i in reversed(_newest_first(deleted))),
        kept=tuple(_newest_first(kept)),
    )


def explain(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> tuple[Decision, ...]:
    """A decision for every artifact, newest first: ``keep`` with the first rule retaining it
    (None when no rule's repository selector covers its repository), or ``expire``."""
    decided = {id(img): (rule, gone) for img, rule, gone in _decide(policy, images, now)}
    return tuple(
        Decision(
            image=img,
            action=DELETE if decided[id(img)][1] else KEEP,
            rule_priority=decided[id(img)][0],
        )
        for img in _newest_first(images)
    )
