"""Lifecycle policy diffs in the words the config used.

A policy declared with readable rules (``untagged``, ``tag_patterns``, ``keep_last``,
``older_than_days`` ...) is shown in that form, rule by rule, named by priority (the rule's
position in the config, from 1)::

    + rules[1]: untagged, older_than_days: 1  # expire untagged images after a day
    ~ rules[2].keep_last: 20 -> 10
    - rules[3]: any, keep_last: 100

A rule found in the registry that has no readable form is shown as ECR wrote it
(``- rules[2]: {"action": ...}``). Policies declared as ``ecr_json`` are not shown here: their
diff keeps ECR's keys (:func:`regform.documents.docdiff.diff_documents`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from regform.documents import rule_text
from regform.documents.docdiff import fmt_value
from regform.lifecycle import decompile

#: the order readable keys are shown in (what a rule selects, then when, then what it does).
KEY_ORDER = rule_text.READABLE_ORDER


@dataclass(frozen=True, slots=True)
class _Rule:
    value: Mapping[str, Any]  # readable keys, or ECR's when the rule has no readable form
    readable: bool


def _readable_rules(doc: Any) -> dict[int, _Rule]:
    """Priority -> the rule in readable form where it has one, else as ECR wrote it."""
    if not isinstance(doc, Mapping):
        return {}
    rules = doc.get("rules")
    if not isinstance(rules, list):
        return {}
    out: dict[int, _Rule] = {}
    for n, rule in enumerate(rules, start=1):
        if not isinstance(rule, Mapping):
            continue
        priority = rule.get("rulePriority")
        key = priority if isinstance(priority, int) and not isinstance(priority, bool) else n
        alone = decompile({"rules": [{**rule, "rulePriority": 1}]})
        out[key] = _Rule(alone[0], True) if alone else _Rule(rule, False)
    return out


def rule_summary(rule: Mapping[str, Any]) -> str:
    """A readable rule in one short line: ``tag_patterns: ["v*"], keep_last: 20  # description``."""
    return rule_text.rule_summary(rule, KEY_ORDER)


def _summary(rule: _Rule) -> str:
    return rule_summary(rule.value) if rule.readable else fmt_value(rule.value)


def _rule_diff(label: str, old: _Rule, new: _Rule) -> list[str]:
    if not (old.readable and new.readable):
        return [f"- {label}: {_summary(old)}", f"+ {label}: {_summary(new)}"]
    return rule_text.rule_diff(label, old.value, new.value, KEY_ORDER)


def lifecycle_display(before: Any, after: Any) -> tuple[str, ...]:
    """The readable diff of two lifecycle documents (``None`` = no policy), one line each."""
    b, a = _readable_rules(before), _readable_rules(after)
    lines: list[str] = []
    for priority in sorted(b.keys() | a.keys()):
        label = f"rules[{priority}]"
        if priority not in a:
            lines.append(f"- {label}: {_summary(b[priority])}")
        elif priority not in b:
            lines.append(f"+ {label}: {_summary(a[priority])}")
        else:
            lines.extend(_rule_diff(label, b[priority], a[priority]))
    return tuple(lines)
