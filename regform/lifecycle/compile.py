"""Readable lifecycle rules <-> ECR lifecycle JSON.

The readable form is described in :mod:`regform.lifecycle`. A readable rule list compiles to a
document whose ``rulePriority`` values are the rule positions, starting at 1. :func:`decompile`
is the inverse where one exists: it returns readable rules only when compiling them gives back
the same policy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from regform.lifecycle.document import (
    ANY,
    ARCHIVE,
    COUNT_MORE_THAN,
    DAYS,
    EXPIRE,
    PATTERN_LIST,
    PREFIX_LIST,
    SINCE_PULLED,
    SINCE_PUSHED,
    SINCE_TRANSITIONED,
    STORAGE_CLASSES,
    TAGGED,
    TRANSITION,
    UNTAGGED,
    normalize_policy,
)

# Readable keys.
DESCRIPTION = "description"
TAG_PREFIXES = "tag_prefixes"
TAG_PATTERNS = "tag_patterns"
UNTAGGED_KEY = "untagged"
ANY_KEY = "any"
STORAGE_CLASS = "storage_class"
KEEP_LAST = "keep_last"
OLDER_THAN_DAYS = "older_than_days"
NOT_PULLED_FOR_DAYS = "not_pulled_for_days"
ARCHIVED_FOR_DAYS = "archived_for_days"
ACTION = "action"

#: readable action -> ECR action.type
ACTIONS = {"expire": EXPIRE, "archive": TRANSITION}

SELECTORS = (TAG_PREFIXES, TAG_PATTERNS, UNTAGGED_KEY, ANY_KEY)
#: readable "when" key -> ECR countType
WHEN = {
    KEEP_LAST: COUNT_MORE_THAN,
    OLDER_THAN_DAYS: SINCE_PUSHED,
    NOT_PULLED_FOR_DAYS: SINCE_PULLED,
    ARCHIVED_FOR_DAYS: SINCE_TRANSITIONED,
}
COUNT_TYPE_TO_WHEN = {v: k for k, v in WHEN.items()}
READABLE_KEYS = frozenset((DESCRIPTION, STORAGE_CLASS, ACTION, *SELECTORS, *WHEN))


def compile_rules(rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Compile readable rules (already schema-valid) to an ECR lifecycle policy document.

    Raises ValueError naming the rule (1-based, as in the config) when a rule cannot be expressed
    in ECR at all. Everything else ECR checks is left to :func:`~regform.lifecycle.validate_policy`.
    """
    raw: object = rules
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ValueError("lifecycle rules must be a list of rules")
    return {"rules": [_compile_rule(rule, n) for n, rule in enumerate(rules, start=1)]}


def _compile_rule(rule: Mapping[str, Any], n: int) -> dict[str, Any]:
    def fail(message: str) -> ValueError:
        return ValueError(f"lifecycle rule {n}: {message}")

    if not isinstance(rule, Mapping):
        raise fail("a rule must be a mapping")
    unknown = sorted(set(rule) - READABLE_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}")
    selector = _exactly_one(
        rule,
        SELECTORS,
        fail,
        "say what the rule selects with exactly one of tag_prefixes, tag_patterns, untagged or any",
    )
    when = _exactly_one(
        rule,
        WHEN,
        fail,
        "say when the rule acts with exactly one of keep_last, "
        "older_than_days, not_pulled_for_days or archived_for_days",
    )
    selection = _selection(rule, selector, when, fail)
    action_type = _action_type(rule, when, rule.get(STORAGE_CLASS), fail)

    out: dict[str, Any] = {"rulePriority": n}
    if rule.get(DESCRIPTION) is not None:
        description = rule[DESCRIPTION]
        if not isinstance(description, str):
            raise fail("description must be a string")
        out["description"] = description
    out["selection"] = selection
    out["action"] = (
        {"type": EXPIRE}
        if action_type == EXPIRE
        else {"type": TRANSITION, "targetStorageClass": ARCHIVE}
    )
    return out


_Fail = Callable[[str], ValueError]


def _exactly_one(rule: Mapping[str, Any], keys: Iterable[str], fail: _Fail, say: str) -> str:
    found = [k for k in keys if k in rule]
    if len(found) != 1:
        raise fail(f"{say} (found {_names(found)})")
    return found[0]


def _selection(rule: Mapping[str, Any], selector: str, when: str, fail: _Fail) -> dict[str, Any]:
    """ECR's ``selection`` of one readable rule."""
    selection: dict[str, Any] = {}
    if selector in (TAG_PREFIXES, TAG_PATTERNS):
        tags = rule[selector]
        if (
            isinstance(tags, (str, bytes))
            or not isinstance(tags, Sequence)
            or not tags
            or not all(isinstance(t, str) and t for t in tags)
        ):
            raise fail(f"{selector} must be a non-empty list of non-empty strings")
        selection["tagStatus"] = TAGGED
        selection[PREFIX_LIST if selector == TAG_PREFIXES else PATTERN_LIST] = list(tags)
    else:
        if rule[selector] is not True:
            raise fail(f"{selector} can only be true (leave it out to select something else)")
        selection["tagStatus"] = UNTAGGED if selector == UNTAGGED_KEY else ANY

    if STORAGE_CLASS in rule:
        storage_class = rule[STORAGE_CLASS]
        if storage_class not in STORAGE_CLASSES:
            raise fail(f"storage_class must be standard or archive, not {storage_class!r}")
        selection["storageClass"] = storage_class

    number = rule[when]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise fail(f"{when} must be a whole number of at least 1, not {number!r}")
    count_type = WHEN[when]
    selection["countType"] = count_type
    if count_type != COUNT_MORE_THAN:
        selection["countUnit"] = DAYS
    selection["countNumber"] = number
    return selection


def _action_type(rule: Mapping[str, Any], when: str, storage_class: Any, fail: _Fail) -> str:
    """ECR's action type of one readable rule, checked against when it acts and on what."""
    action_name = rule.get(ACTION, "expire")
    if action_name not in ACTIONS:
        raise fail(f"action must be expire or archive, not {action_name!r}")
    action_type: str = ACTIONS[action_name]
    if when == NOT_PULLED_FOR_DAYS and action_type != TRANSITION:
        raise fail(
            "not_pulled_for_days needs action: archive (ECR cannot expire images by pull time; "
            "archive them, then expire them with archived_for_days)"
        )
    if when == ARCHIVED_FOR_DAYS:
        if storage_class != ARCHIVE:
            raise fail("archived_for_days needs storage_class: archive")
        if action_type != EXPIRE:
            raise fail("archived_for_days can only expire images (they are already archived)")
    elif storage_class == ARCHIVE:
        raise fail("storage_class: archive only works with archived_for_days")
    return action_type


def _names(keys: Sequence[str]) -> str:
    return ", ".join(keys) if keys else "none"


def decompile(doc: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Readable rules equal to ``doc``, or None when the document has no readable form.

    ``doc`` has a readable form when every rule maps to one readable rule and the priorities are
    1, 2, 3, ... (in any listed order): then ``compile_rules(decompile(doc))`` is ``doc`` with its
    rules in priority order.
    """
    if not isinstance(doc, Mapping) or set(doc) != {"rules"}:
        return None
    rules = doc["rules"]
    if not isinstance(rules, list) or not rules:
        return None
    if not all(isinstance(r, Mapping) for r in rules):
        return None
    priorities = [r.get("rulePriority") for r in rules]
    if not all(isinstance(p, int) and not isinstance(p, bool) for p in priorities):
        return None
    if sorted(priorities) != list(range(1, len(rules) + 1)):
        return None
    ordered = sorted(rules, key=lambda r: int(r["rulePriority"]))
    readable = [_decompile_rule(r) for r in ordered]
    if any(r is None for r in readable):
        return None
    result = [r for r in readable if r is not None]
    try:
        again = compile_rules(result)
    except ValueError:
        return None
    if again != {"rules": [_plain(r) for r in ordered]}:
        return None
    return result


def _decompile_rule(rule: Mapping[str, Any]) -> dict[str, Any] | None:
    selection = rule.get("selection")
    action = rule.get("action")
    if not isinstance(selection, Mapping) or not isinstance(action, Mapping):
        return None
    out: dict[str, Any] = {}
    if "description" in rule:
        out[DESCRIPTION] = rule["description"]
    status = selection.get("tagStatus")
    if status == TAGGED:
        has_prefixes, has_patterns = PREFIX_LIST in selection, PATTERN_LIST in selection
        if has_prefixes == has_patterns:
            return None
        key = PREFIX_LIST if has_prefixes else PATTERN_LIST
        tags = selection[key]
        if not isinstance(tags, list):
            return None
        out[TAG_PREFIXES if has_prefixes else TAG_PATTERNS] = list(tags)
    elif status == UNTAGGED:
        out[UNTAGGED_KEY] = True
    elif status == ANY:
        out[ANY_KEY] = True
    else:
        return None
    if "storageClass" in selection:
        out[STORAGE_CLASS] = selection["storageClass"]
    count_type = selection.get("countType")
    when = COUNT_TYPE_TO_WHEN.get(count_type) if isinstance(count_type, str) else None
    if when is None:
        return None
    out[when] = selection.get("countNumber")
    if action.get("type") == TRANSITION:
        out[ACTION] = "archive"
    elif action.get("type") != EXPIRE:
        return None
    return out


def _plain(value: Any) -> Any:
    """``value`` as plain dicts and lists (so Mapping subclasses compare equal to dicts)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def same_policy(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when two policy documents are equivalent (see
    :func:`~regform.lifecycle.document.normalize_policy`)."""
    return bool(normalize_policy(_plain(a)) == normalize_policy(_plain(b)))
