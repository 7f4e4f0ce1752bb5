"""Every documented constraint on an ECR lifecycle policy.

Sources: the ECR user guide pages "Lifecycle policy properties", "Automate the cleanup of images by
using lifecycle policies" (evaluation rules) and "Examples of lifecycle policies", and the ECR
service quotas (50 rules, 30,720 characters). ECR does not publish its error texts, so the
messages here are regform's own and say what to change.

Constraints between rules (unique priorities; per storage class: the ``any`` rule last, one
``untagged`` rule, no two rules with the same tags) live in :mod:`regform.lifecycle.cross_rules`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard

from regform.lifecycle.cross_rules import RuleFacts, check_across_rules
from regform.lifecycle.document import (
    ACTION_KEYS,
    ACTION_TYPES,
    ANY,
    ARCHIVE,
    COUNT_MORE_THAN,
    COUNT_TYPES,
    COUNT_UNITS,
    DOCUMENT_KEYS,
    EXPIRE,
    MAX_RULES,
    MAX_TEXT_CHARS,
    MAX_WILDCARDS_PER_PATTERN,
    MIN_ARCHIVED_DAYS,
    PATTERN_LIST,
    PREFIX_LIST,
    RULE_KEYS,
    SELECTION_KEYS,
    SINCE_PULLED,
    SINCE_TRANSITIONED,
    SINCE_TYPES,
    STANDARD,
    STORAGE_CLASSES,
    TAG_STATUSES,
    TAGGED,
    TRANSITION,
    UNTAGGED,
    policy_text,
)
from regform.lifecycle.issue import LifecycleIssue
from regform.lifecycle.wording import choices, did_you_mean, enum_message, show, unknown_message

__all__ = ["LifecycleIssue", "validate_policy"]


def validate_policy(doc: Any) -> list[LifecycleIssue]:
    """All problems ECR would reject, in document order (empty list: valid)."""
    if not isinstance(doc, Mapping):
        return [LifecycleIssue("", 'A lifecycle policy must be a JSON object with a "rules" list.')]
    issues: list[LifecycleIssue] = []
    for key in doc:
        if key not in DOCUMENT_KEYS:
            hint = did_you_mean(key, DOCUMENT_KEYS)
            msg = f'Unknown key "{key}" in the policy{hint}; a policy holds only "rules".'
            issues.append(LifecycleIssue(str(key), msg))
    rules = doc.get("rules")
    if "rules" not in doc:
        issues.append(LifecycleIssue("rules", 'The policy has no "rules" list.'))
        return issues
    if not isinstance(rules, list):
        issues.append(LifecycleIssue("rules", '"rules" must be a list of rules.'))
        return issues
    if not rules:
        issues.append(LifecycleIssue("rules", "The policy has no rules; it needs at least one."))
    if len(rules) > MAX_RULES:
        msg = f"The policy has {len(rules)} rules; ECR allows at most {MAX_RULES}."
        issues.append(LifecycleIssue("rules", msg))
    try:
        length = len(policy_text(doc))
    except (TypeError, ValueError):
        length = 0  # not JSON at all: the field checks below say why
    if length > MAX_TEXT_CHARS:
        msg = (
            f"The policy is {length:,} characters long as compact JSON; "
            f"ECR allows at most {MAX_TEXT_CHARS:,}."
        )
        issues.append(LifecycleIssue("", msg))

    facts: list[RuleFacts] = []
    per_rule: list[list[LifecycleIssue]] = []
    for i, rule in enumerate(rules):
        checker = _RuleChecker(i)
        facts.append(checker.check(rule))
        per_rule.append(checker.issues)
    check_across_rules(facts, per_rule)
    for found in per_rule:
        issues.extend(found)
    return issues


class _RuleChecker:
    def __init__(self, index: int) -> None:
        self.index = index
        self.issues: list[LifecycleIssue] = []

    def add(self, path: str, message: str) -> None:
        self.issues.append(LifecycleIssue(f"rules[{self.index}]{path}", message, self.index))

    def check(self, rule: Any) -> RuleFacts:
        if not isinstance(rule, Mapping):
            self.add("", "Each rule must be a JSON object.")
            return RuleFacts(self.index)
        self.unknown_keys(rule, RULE_KEYS, "", "the rule")

        priority = rule.get("rulePriority")
        if "rulePriority" not in rule:
            self.add(
                ".rulePriority",
                "The rule has no rulePriority; every rule needs its own whole number of 1 or more.",
            )
        elif not _is_positive_int(priority):
            self.add(
                ".rulePriority",
                f"rulePriority must be a whole number of 1 or more, not {show(priority)}.",
            )
        if "description" in rule and not isinstance(rule["description"], str):
            self.add(".description", "description must be a string.")

        selection = rule.get("selection")
        action_type = self.check_action(rule)
        facts = RuleFacts(self.index, priority if _is_positive_int(priority) else None)
        if "selection" not in rule:
            self.add(".selection", 'The rule has no "selection".')
        elif not isinstance(selection, Mapping):
            self.add(".selection", '"selection" must be a JSON object.')
        else:
            facts = self.check_selection(selection, facts, action_type)
        self.issues.extend(self.action_issues)
        return facts

    # -- selection -----------------------------------------------------------------------

    def check_selection(
        self, sel: Mapping[str, Any], facts: RuleFacts, action_type: str | None
    ) -> RuleFacts:
        self.unknown_keys(sel, SELECTION_KEYS, ".selection", "the selection")
        status = sel.get("tagStatus")
        if "tagStatus" not in sel:
            self.add(
                ".selection.tagStatus",
                'The selection has no tagStatus; use "tagged", "untagged" or "any".',
            )
            status = None
        elif status not in TAG_STATUSES:
            self.add(".selection.tagStatus", enum_message("tagStatus", status, TAG_STATUSES))
            status = None

        tags = self.check_tag_lists(sel, status)

        storage_class = sel.get("storageClass", STANDARD)
        if "storageClass" in sel and storage_class not in STORAGE_CLASSES:
            self.add(
                ".selection.storageClass",
                enum_message("storageClass", storage_class, STORAGE_CLASSES),
            )
            storage_class = None

        count_type = sel.get("countType")
        if "countType" not in sel:
            self.add(
                ".selection.countType",
                "The selection has no countType; use " + choices(COUNT_TYPES, quote=False) + ".",
            )
            count_type = None
        elif count_type not in COUNT_TYPES:
            self.add(".selection.countType", enum_message("countType", count_type, COUNT_TYPES))
            count_type = None

        self.check_count(sel, count_type)
        if not self.check_pairings(sel, count_type, storage_class, action_type):
            storage_class = None  # which class the rule meant is unclear: no cross-rule checks
        return RuleFacts(self.index, facts.priority, storage_class, status, tags)

    def check_tag_lists(
        self, sel: Mapping[str, Any], status: str | None
    ) -> tuple[str, tuple[str, ...]] | None:
        present = [k for k in (PREFIX_LIST, PATTERN_LIST) if k in sel]
        if status == TAGGED and not present:
            self.add(
                ".selection.tagStatus",
                'A rule with tagStatus "tagged" needs a tagPrefixList or a tagPatternList '
                "to say which tags it selects.",
            )
        if len(present) == 2:
            self.add(
                ".selection",
                "A rule can use tagPrefixList or tagPatternList, not both; "
                "split it into two rules or keep one list.",
            )
        if status in (UNTAGGED, ANY):
            for key in present:
                self.add(
                    f".selection.{key}",
                    f'{key} can only be used with tagStatus "tagged", not "{status}".',
                )
        valid: dict[str, tuple[str, ...]] = {}
        for key in present:
            entries = self.check_tag_list(key, sel[key])
            if entries is not None:
                valid[key] = entries
        if status == TAGGED and len(present) == 1 and present[0] in valid:
            return (present[0], valid[present[0]])
        return None

    def check_tag_list(self, key: str, value: Any) -> tuple[str, ...] | None:
        path = f".selection.{key}"
        what = "tag prefixes" if key == PREFIX_LIST else "tag patterns"
        if not isinstance(value, list):
            self.add(path, f"{key} must be a list of {what}.")
            return None
        if not value:
            self.add(path, f"{key} is empty; list at least one of the {what} to select.")
            return None
        ok = True
        for j, entry in enumerate(value):
            if not isinstance(entry, str) or not entry:
                self.add(f"{path}[{j}]", f"Each entry of {key} must be a non-empty string.")
                ok = False
            elif key == PATTERN_LIST and entry.count("*") > MAX_WILDCARDS_PER_PATTERN:
                self.add(
                    f"{path}[{j}]",
                    f'The tag pattern "{entry}" has {entry.count("*")} wildcards (*); '
                    f"ECR allows at most {MAX_WILDCARDS_PER_PATTERN} in one pattern.",
                )
                ok = False
        return tuple(sorted(set(value))) if ok else None

    def check_count(self, sel: Mapping[str, Any], count_type: str | None) -> None:
        unit = sel.get("countUnit")
        if count_type == COUNT_MORE_THAN and "countUnit" in sel:
            self.add(
                ".selection.countUnit",
                "countUnit cannot be used with countType imageCountMoreThan "
                "(it counts images, not days); remove it.",
            )
        elif count_type in SINCE_TYPES and "countUnit" not in sel:
            self.add(
                ".selection.countUnit",
                f'countUnit "days" is required when countType is {count_type}.',
            )
        elif "countUnit" in sel and unit not in COUNT_UNITS:
            self.add(".selection.countUnit", enum_message("countUnit", unit, COUNT_UNITS))

        number = sel.get("countNumber")
        if "countNumber" not in sel:
            self.add(
                ".selection.countNumber",
                "The selection has no countNumber; it needs a whole number of 1 or more.",
            )
        elif not _is_positive_int(number):
            self.add(
                ".selection.countNumber",
                f"countNumber must be a whole number of 1 or more, not {show(number)}.",
            )
        elif count_type == SINCE_TRANSITIONED and number < MIN_ARCHIVED_DAYS:
            self.add(
                ".selection.countNumber",
                f"Archived images must stay archived for at least {MIN_ARCHIVED_DAYS} days, so "
                f"a sinceImageTransitioned rule needs countNumber {MIN_ARCHIVED_DAYS} or more, "
                f"not {number}.",
            )

    def check_pairings(
        self,
        sel: Mapping[str, Any],
        count_type: str | None,
        storage_class: str | None,
        action_type: str | None,
    ) -> bool:
        """Check count type against storage class and action; False if the class is wrong."""
        class_ok = True
        if count_type == SINCE_TRANSITIONED:
            if "storageClass" not in sel:
                self.add(
                    ".selection.storageClass",
                    'A sinceImageTransitioned rule must set storageClass "archive" '
                    "(it expires images that are already archived).",
                )
                class_ok = False
            elif storage_class == STANDARD:
                self.add(
                    ".selection.storageClass",
                    "A sinceImageTransitioned rule only selects archived images; set storageClass "
                    'to "archive".',
                )
                class_ok = False
            if action_type == TRANSITION:
                self.add(
                    ".action.type",
                    "A sinceImageTransitioned rule can only expire images; set the action type "
                    'to "expire".',
                )
        elif count_type is not None and storage_class == ARCHIVE:
            self.add(
                ".selection.storageClass",
                f'storageClass "archive" only works with countType sinceImageTransitioned; '
                f"{count_type} rules select standard images.",
            )
            class_ok = False
        if count_type == SINCE_PULLED and action_type == EXPIRE:
            self.add(
                ".action.type",
                'A sinceImagePulled rule must use the "transition" action: ECR cannot expire '
                "images by pull time. Archive them, then expire them with a "
                "sinceImageTransitioned rule.",
            )
        return class_ok

    # -- action --------------------------------------------------------------------------

    def check_action(self, rule: Mapping[str, Any]) -> str | None:
        """Check ``action``; issues wait in ``action_issues`` so they follow the selection's."""
        self.action_issues: list[LifecycleIssue] = []
        action = rule.get("action")
        if "action" not in rule:
            self.later(
                ".action",
                'The rule has no "action"; use {"type": "expire"} or '
                '{"type": "transition", "targetStorageClass": "archive"}.',
            )
            return None
        if not isinstance(action, Mapping):
            self.later(".action", '"action" must be a JSON object.')
            return None
        for key in action:
            if key not in ACTION_KEYS:
                self.later(f".action.{key}", unknown_message(key, ACTION_KEYS, "the action"))
        kind = action.get("type")
        if "type" not in action:
            self.later(".action.type", 'The action has no type; use "expire" or "transition".')
            kind = None
        elif kind not in ACTION_TYPES:
            self.later(".action.type", enum_message("action type", kind, ACTION_TYPES))
            kind = None
        target = action.get("targetStorageClass")
        if kind == EXPIRE and "targetStorageClass" in action:
            self.later(
                ".action.targetStorageClass",
                "An expire action deletes images; remove targetStorageClass "
                "(it is only for transition).",
            )
        elif kind == TRANSITION and "targetStorageClass" not in action:
            self.later(
                ".action.targetStorageClass",
                'A transition action needs targetStorageClass "archive".',
            )
        elif "targetStorageClass" in action and target != ARCHIVE:
            self.later(
                ".action.targetStorageClass",
                enum_message("targetStorageClass", target, (ARCHIVE,)),
            )
        return kind if isinstance(kind, str) else None

    def later(self, path: str, message: str) -> None:
        self.action_issues.append(LifecycleIssue(f"rules[{self.index}]{path}", message, self.index))

    def unknown_keys(
        self, obj: Mapping[str, Any], allowed: Sequence[str], path: str, where: str
    ) -> None:
        for key in obj:
            if key not in allowed:
                self.add(f"{path}.{key}", unknown_message(key, allowed, where))


def _is_positive_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
