"""How a plan shows changes of Harbor's fields (pure): the diff lines of its own fields, and
changes in the words the config used (``display_lines``: retention rules as declared, the quota
in its declared unit)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from regform import model as m
from regform.documents.docdiff import diff_documents, fmt_value
from regform.documents.rule_text import READABLE_ORDER, rule_diff, rule_summary
from regform.providers.harbor import rules
from regform.providers.harbor.config import SIZE, UNITS
from regform.providers.harbor.export import quota_text, rule_keys
from regform.providers.harbor.fields import STORAGE_QUOTA
from regform.providers.harbor.words import RETENTION_ORDER

ROBOTS = "robots"
NEW_SECRET = "a new secret, shown once at apply (--secrets-file or --show-secrets)"


def _robot_lines(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    lines: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            lines.append(f"- {name}: {fmt_value(before[name])}  # its secret stops working")
        elif name not in before:
            lines.append(f"+ {name}: {fmt_value(after[name])}  # {NEW_SECRET}")
        elif before[name] != after[name]:
            for line in diff_documents(before[name], after[name]):
                lines.append(f"~ {name}: {line.lstrip('+-~ ')}  # its secret is kept")
    return tuple(lines)


def diff_lines(field: str, before: Any, after: Any) -> tuple[str, ...]:
    if field == ROBOTS:
        return _robot_lines(dict(before or {}), dict(after or {}))
    if isinstance(after, dict | list) or isinstance(before, dict | list):
        return diff_documents(before, after)
    return ()


# In the config's words (Repository.declared_words, see regform.providers.harbor.words) --------

#: the readable count key of the Harbor templates readable rules map to.
READABLE_COUNT = {"latestPushedK": "keep_last", "nDaysSinceLastPush": "older_than_days"}
REST = "  # retains every image no rule selects"


def _schedule_lines(before: Any, words: Mapping[str, Any], drift: bool) -> list[str]:
    declared = words["schedule"]
    if before is None:
        sign = "-" if drift else "+"
        return [] if words["readable"] else [f"{sign} schedule: {fmt_value(declared)}"]
    found = before.get("schedule", "")
    if found == rules.SCHEDULES.get(declared, declared):
        return []
    sides = [fmt_value(rules.ALIAS_OF_CRON.get(found, found)), fmt_value(declared)]
    return [f"~ schedule: {' -> '.join(reversed(sides) if drift else sides)}"]


def _found_words(
    found: Mapping[str, Any], entry: Mapping[str, Any], readable: bool
) -> dict[str, Any] | None:
    """A found rule selecting what declared ``entry`` selects, in the entry's words (None when
    its kind has none)."""
    count_keys = READABLE_COUNT.values() if readable else rules.TEMPLATE_KEYS
    out = {k: v for k, v in entry["words"].items() if k not in count_keys}
    template = found["template"]
    key = READABLE_COUNT.get(template) if readable else rules.KEY_OF_TEMPLATE.get(template)
    if key is None:
        return None
    out[key] = True if key == "always" else found.get("value")
    if bool(found.get("disabled")) != bool(entry["rule"].get("disabled")):
        out["disabled"] = bool(found.get("disabled"))
    return out


def _same_selection(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return a.get("tags") == b.get("tags") and a.get("repositories") == b.get("repositories")


def _rule_lines(
    entry: Mapping[str, Any], found: list[Any], readable: bool, order: Sequence[str], drift: bool
) -> list[str]:
    label = entry["label"]
    for rule in found:
        if not isinstance(rule, Mapping) or not _same_selection(rule, entry["rule"]):
            continue
        shown = _found_words(rule, entry, readable)
        if shown is not None:
            found.remove(rule)
            if drift:
                return rule_diff(label, entry["words"], shown, order)
            return rule_diff(label, shown, entry["words"], order)
    return [f"{'-' if drift else '+'} {label}: {rule_summary(entry['words'], order)}"]


def _found_summary(rule: Any) -> str:
    try:
        return rule_summary(rule_keys(rule), RETENTION_ORDER)
    except (KeyError, TypeError, AttributeError):
        return fmt_value(rule)


def lifecycle_lines(
    before: Any, after: Any, words: Mapping[str, Any], *, drift: bool = False
) -> tuple[str, ...]:
    """A retention change in the rules the config wrote: ``~ rules[1].keep_last: 20 -> 10``
    (``before``: the policy found; ``after``: the declared one, whose words ``words`` are).
    ``drift`` reads it the other way, from declared to found: a declared rule the registry
    lacks is ``-``, a rule only the registry has ``+``."""
    readable = bool(words["readable"])
    order = READABLE_ORDER if readable else RETENTION_ORDER
    before = before if isinstance(before, Mapping) else None
    found = list((before or {}).get("rules") or ())
    lines = _schedule_lines(before, words, drift)
    pending = []
    for entry in words["rules"]:
        if entry["rule"] in found:
            found.remove(entry["rule"])
        else:
            pending.append(entry)
    for entry in pending:
        lines.extend(_rule_lines(entry, found, readable, order, drift))
    declared, extra = ("-", "+") if drift else ("+", "-")
    rest = words.get("rest")
    if rest is not None and rest in found:
        found.remove(rest)
    elif rest is not None and before is not None:
        lines.append(f"{declared} rest: {_found_summary(rest)}{REST}")
    lines.extend(f"{extra} rule: {_found_summary(rule)}" for rule in found)
    return tuple(lines)


def _quota_text(value: Any, declared: Any) -> str:
    """Bytes in the unit the quota was declared in (``50GiB``)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return fmt_value(value)
    if value == -1:
        return str(declared) if declared in (-1, "unlimited") else "unlimited"
    match = SIZE.match(str(declared))
    if match is not None and value % UNITS[match.group(2)] == 0:
        return f"{value // UNITS[match.group(2)]}{match.group(2)}"
    return str(quota_text(value))


def display_lines(field: str, before: Any, after: Any, words: Any) -> tuple[str, ...]:
    """A change of ``field`` in the words the config declared it with (``words``); a scalar
    field in one line (``50GiB -> 20GiB``, or ``50GiB`` when new)."""
    if field == m.LIFECYCLE_POLICY and isinstance(words, Mapping) and after is not None:
        return lifecycle_lines(before, after, words)
    if field == STORAGE_QUOTA:
        shown = _quota_text(after, words)
        return (shown if before is None else f"{_quota_text(before, words)} -> {shown}",)
    return ()


def drift_lines(field: str, declared: Any, found: Any, words: Any) -> tuple[str, ...]:
    """A drift of ``field`` from the declared value to the one found, in the words the config
    declared it with (``50GiB -> 20GiB``; retention rules as :func:`lifecycle_lines` with
    ``drift``)."""
    if field == m.LIFECYCLE_POLICY and isinstance(words, Mapping) and declared is not None:
        return lifecycle_lines(found, declared, words, drift=True)
    if field == STORAGE_QUOTA:
        return (f"{_quota_text(declared, words)} -> {_quota_text(found, words)}",)
    return ()
