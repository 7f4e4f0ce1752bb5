"""Constraints between the rules of one policy, read per storage class.

The official combined archive/expire example has one ``any`` rule for standard images and one for
archived images, so "an ``any`` rule has the highest priority", "only one rule selects untagged
images" and "rules have a unique set of tags" each hold among the rules of one storage class.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from regform.lifecycle.document import ANY, PREFIX_LIST, TAGGED, UNTAGGED
from regform.lifecycle.issue import LifecycleIssue
from regform.lifecycle.wording import sentence, show


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What the cross-rule checks need from one rule (None: missing or invalid)."""

    index: int
    priority: int | None = None
    storage_class: str | None = None
    tag_status: str | None = None
    #: (list key, sorted distinct entries) for a tagged rule with one valid list
    tags: tuple[str, tuple[str, ...]] | None = None


#: records an issue: (rule index, path inside the rule, message)
_Add = Callable[[int, str, str], None]


def check_across_rules(facts: list[RuleFacts], per_rule: list[list[LifecycleIssue]]) -> None:
    """Append to ``per_rule[i]`` the cross-rule issues of rule ``i`` (reported on the later rule,
    or on the ``any`` rule that is not last)."""

    def add(i: int, path: str, message: str) -> None:
        per_rule[i].append(LifecycleIssue(f"rules[{i}]{path}", message, i))

    _check_priorities(facts, add)
    _check_selections(facts, add)


def _check_priorities(facts: list[RuleFacts], add: _Add) -> None:
    """Every rule has its own priority."""
    seen_priority: dict[int, int] = {}
    for f in facts:
        if f.priority is None:
            continue
        if f.priority in seen_priority:
            add(
                f.index,
                ".rulePriority",
                f"rulePriority {f.priority} is used by more than one rule; "
                "every rule needs its own priority.",
            )
        else:
            seen_priority[f.priority] = f.index


def _check_selections(facts: list[RuleFacts], add: _Add) -> None:
    """Per storage class: an ``any`` rule comes last, one rule selects untagged images, no two
    rules select the same tags."""
    untagged_rule: dict[str, RuleFacts] = {}
    tag_sets: dict[tuple[str, str, tuple[str, ...]], RuleFacts] = {}
    for f in facts:
        if f.storage_class is None:
            continue
        cls = f.storage_class
        priority = f.priority
        if f.tag_status == ANY and priority is not None:
            later = [
                g
                for g in facts
                if g is not f
                and g.storage_class == cls
                and g.priority is not None
                and g.priority > priority
            ]
            if later:
                last = max(later, key=lambda g: g.priority or 0)
                add(
                    f.index,
                    ".rulePriority",
                    f'A rule with tagStatus "any" is evaluated last, so it needs the highest '
                    f"rulePriority among the rules for {cls} images; the rule with "
                    f"rulePriority {last.priority} comes after it.",
                )
        elif f.tag_status == UNTAGGED:
            first = untagged_rule.setdefault(cls, f)
            if first is not f:
                add(
                    f.index,
                    ".selection.tagStatus",
                    f"Only one rule may select untagged {cls} images; "
                    f"{_rule_name(first)} already does.",
                )
        elif f.tag_status == TAGGED and f.tags is not None:
            key = (cls, f.tags[0], f.tags[1])
            first = tag_sets.setdefault(key, f)
            if first is not f:
                what = "tag prefixes" if f.tags[0] == PREFIX_LIST else "tag patterns"
                add(
                    f.index,
                    f".selection.{f.tags[0]}",
                    f"{sentence(_rule_name(first))} already selects {cls} images with the "
                    f"same {what} {show(list(f.tags[1]))}; each rule for one storage class "
                    "needs its own set of tags.",
                )


def _rule_name(f: RuleFacts) -> str:
    if f.priority is not None:
        return f"the rule with rulePriority {f.priority}"
    return f"rules[{f.index}]"
