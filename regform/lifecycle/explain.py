"""Why a lifecycle policy expires, archives or keeps each image: :func:`explain`.

:func:`~regform.lifecycle.evaluate` answers "what happens"; this module also answers "which rule
decided it" for every image, the kept ones included, for ``regform lifecycle preview``. It runs
the same engine (one definition of the rules); only the bookkeeping differs.

The deciding rule of an image is the first rule, in priority order, that matches it (storage
class, tag status and tag lists): ECR lets no later rule act on that image. The rule may keep it
(one of the newest ``keep_last``, or not old enough), and an image a surviving manifest list
references is kept even though its rule selected it (``protected``). An image no rule matches has
no deciding rule and is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regform.lifecycle.engine import apply_rules, collector_paused
from regform.lifecycle.ranking import Ranking
from regform.lifecycle.references import protect_referenced
from regform.lifecycle.validate import validate_policy
from regform.model import Image

EXPIRE = "expire"
TRANSITION = "transition"
KEEP = "keep"


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy does to one image, and the rule that decided it."""

    image: Image
    #: "expire" | "transition" | "keep"
    action: str
    #: rulePriority of the deciding rule; None when no rule matches the image
    rule_priority: int | None
    #: the deciding rule would act on the image, but a manifest list that stays references it
    protected: bool = False
    #: kept although the policy would remove it, and why: ``immutable`` (Harbor's tag
    #: immutability); None otherwise
    kept_because: str | None = None


def explain(
    policy: Mapping[str, Any], images: Sequence[Image], now: datetime
) -> tuple[Decision, ...]:
    """A decision for every image of ``images``, newest first (the order ECR counts in).

    The actions are exactly those of :func:`~regform.lifecycle.evaluate` for the same input.
    Raises ValueError when the policy is not one ECR would accept.
    """
    issues = validate_policy(policy)
    if issues:
        raise ValueError("invalid lifecycle policy: " + "; ".join(map(str, issues)))
    with collector_paused():
        ranking = Ranking.of(images)
        matched_by: dict[int, int] = {}
        actions = apply_rules(policy["rules"], ranking, now.timestamp(), matched_by)
        before_protection = set(actions)
        protect_referenced(ranking, actions)
    decisions: list[Decision] = []
    for position in range(len(images) - 1, -1, -1):
        act = actions.get(position)
        decisions.append(
            Decision(
                image=ranking.image(position),
                action=act[0] if act is not None else KEEP,
                rule_priority=matched_by.get(position),
                protected=act is None and position in before_protection,
            )
        )
    return tuple(decisions)
