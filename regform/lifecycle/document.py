"""The vocabulary of an ECR lifecycle policy document: keys, enums, limits, canonical text.

Values inside the policy JSON are lower-case (``tagged``, ``expire``); see the ECR user guide,
"Lifecycle policy properties" and "Examples of lifecycle policies".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

# Keys allowed at each level of the document.
DOCUMENT_KEYS: Final = ("rules",)
RULE_KEYS: Final = ("rulePriority", "description", "selection", "action")
SELECTION_KEYS: Final = (
    "tagStatus",
    "tagPatternList",
    "tagPrefixList",
    "storageClass",
    "countType",
    "countUnit",
    "countNumber",
)
ACTION_KEYS: Final = ("type", "targetStorageClass")

# tagStatus
TAGGED: Final = "tagged"
UNTAGGED: Final = "untagged"
ANY: Final = "any"
TAG_STATUSES: Final = (TAGGED, UNTAGGED, ANY)

# storageClass / targetStorageClass
STANDARD: Final = "standard"
ARCHIVE: Final = "archive"
STORAGE_CLASSES: Final = (STANDARD, ARCHIVE)

# countType
COUNT_MORE_THAN: Final = "imageCountMoreThan"
SINCE_PUSHED: Final = "sinceImagePushed"
SINCE_PULLED: Final = "sinceImagePulled"
SINCE_TRANSITIONED: Final = "sinceImageTransitioned"
COUNT_TYPES: Final = (COUNT_MORE_THAN, SINCE_PUSHED, SINCE_PULLED, SINCE_TRANSITIONED)
SINCE_TYPES: Final = (SINCE_PUSHED, SINCE_PULLED, SINCE_TRANSITIONED)

DAYS: Final = "days"
COUNT_UNITS: Final = (DAYS,)

# action.type
EXPIRE: Final = "expire"
TRANSITION: Final = "transition"
ACTION_TYPES: Final = (EXPIRE, TRANSITION)

PREFIX_LIST: Final = "tagPrefixList"
PATTERN_LIST: Final = "tagPatternList"

# Limits (ECR service quotas and lifecycle policy properties).
MAX_RULES: Final = 50
MAX_TEXT_CHARS: Final = 30_720
#: The API rejects lifecycle policy text shorter than this (botocore checks it on the client).
#: Any real policy is longer (one minimal rule is about 140 characters), so it is not a
#: validation rule; regform never pads a policy to reach it.
MIN_API_TEXT_CHARS: Final = 100
MAX_WILDCARDS_PER_PATTERN: Final = 4
#: Archived images have a minimum storage duration of 90 days; ECR refuses rules that would
#: delete images archived for less than that.
MIN_ARCHIVED_DAYS: Final = 90

SECONDS_PER_DAY: Final = 86_400


def policy_text(doc: Mapping[str, Any]) -> str:
    """The compact JSON text of a policy: the form whose length ECR limits to 30,720 characters."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def normalize_policy(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``doc`` in which equivalent policies compare equal.

    Rules are sorted by ``rulePriority`` (ECR may return them reordered), tag lists are sorted
    (every entry must match, so order carries no meaning), ``storageClass: standard`` is dropped
    (it is the default) and keys set to ``null`` are dropped (they equal absent keys).
    Anything that is not a well-formed rule is kept as it is, in an order that does not depend on
    where it was written.
    """
    out = _without_nulls(doc)
    rules = out.get("rules")
    if not isinstance(rules, list):
        return out
    norm = [_normalize_rule(r) if isinstance(r, Mapping) else r for r in rules]
    out["rules"] = sorted(norm, key=_priority_sort_key)
    return out


def _without_nulls(value: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in value.items() if v is not None}


def _normalize_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    out = _without_nulls(rule)
    selection = out.get("selection")
    if isinstance(selection, Mapping):
        sel = _without_nulls(selection)
        for key in (PREFIX_LIST, PATTERN_LIST):
            value = sel.get(key)
            if isinstance(value, list):
                sel[key] = sorted(value, key=_sort_text)
        if sel.get("storageClass") == STANDARD:
            del sel["storageClass"]
        out["selection"] = sel
    action = out.get("action")
    if isinstance(action, Mapping):
        out["action"] = _without_nulls(action)
    return out


def _sort_text(value: Any) -> tuple[int, str]:
    """Sort key for any JSON value: strings first, as themselves; then anything else by its
    JSON text."""
    if isinstance(value, str):
        return (0, value)
    return (1, json.dumps(value, sort_keys=True, separators=(",", ":"), default=str))


def _priority_sort_key(rule: Any) -> tuple[int, int, tuple[int, str]]:
    if isinstance(rule, Mapping):
        p = rule.get("rulePriority")
        if isinstance(p, int) and not isinstance(p, bool):
            return (0, p, (0, ""))
    return (1, 0, _sort_text(rule))
