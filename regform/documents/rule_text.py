"""A rule in the config's words, on one short line: ``tag_patterns: ["v*"], keep_last: 20``.

Plans and drift reports show lifecycle and retention rules this way (ECR's readable rules,
Harbor's ``retention:`` keys): the keys of ``order`` first, then the others by name; a flag
(``untagged: true``) as its bare name; a description as a trailing comment.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from regform.documents.docdiff import fmt_value

#: the order readable lifecycle keys are shown in (what a rule selects, then when, then what it
#: does).
READABLE_ORDER = (
    "untagged",
    "any",
    "tag_patterns",
    "tag_prefixes",
    "storage_class",
    "keep_last",
    "older_than_days",
    "not_pulled_for_days",
    "archived_for_days",
    "action",
    "description",
)

#: keys shown as their bare name when true.
FLAGS = frozenset({"untagged", "any", "always"})


def ordered_keys(rule: Mapping[str, Any], order: Sequence[str]) -> list[str]:
    known = [k for k in order if k in rule]
    return known + sorted(k for k in rule if k not in order)


def comment(text: Any) -> str:
    """A description as a trailing comment: one line, control characters escaped."""
    shown = json.dumps(str(text), ensure_ascii=False)[1:-1]
    return f"  # {shown}"


def rule_summary(rule: Mapping[str, Any], order: Sequence[str]) -> str:
    """The rule in one line, its keys in ``order`` (then by name)."""
    parts = [
        k if rule[k] is True and k in FLAGS else f"{k}: {fmt_value(rule[k])}"
        for k in ordered_keys(rule, order)
        if k != "description"
    ]
    note = comment(rule["description"]) if "description" in rule else ""
    return ", ".join(parts) + note


def rule_diff(
    label: str, before: Mapping[str, Any], after: Mapping[str, Any], order: Sequence[str]
) -> list[str]:
    """The keys of one rule that differ: ``~ rules[2].keep_last: 20 -> 10``."""
    lines: list[str] = []
    for key in ordered_keys({**before, **after}, order):
        if key not in after:
            lines.append(f"- {label}.{key}: {fmt_value(before[key])}")
        elif key not in before:
            lines.append(f"+ {label}.{key}: {fmt_value(after[key])}")
        elif fmt_value(before[key]) != fmt_value(after[key]):
            lines.append(f"~ {label}.{key}: {fmt_value(before[key])} -> {fmt_value(after[key])}")
    return lines
