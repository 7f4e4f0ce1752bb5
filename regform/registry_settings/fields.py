"""What changes between two values of a setting, as plan field changes with readable paths.

:func:`setting_field_changes` compares one entry (see
:func:`~regform.registry_settings.setting_entries`): a whole singleton value, or one pull-through
cache rule or creation template. ``before`` is what the registry has (``None``: nothing), ``after``
what the config wants (``None``: remove it). Field values are shown in canonical form; the
comparison uses the normalized form, so an equivalent value never produces a change.

Paths: ``scan_type``, ``rules[0].filters``, ``rules[1]`` (a whole rule added or removed; the
index is the rule's position in the declared list, or in the list read when it is removed),
``policy``, ``credential_arn``, ``tags.team``, ``REGISTRY_POLICY_SCOPE``. Rules are matched
before and after by content, then by what identifies them (the scan frequency; the destinations,
then the filters of a replication rule), then by position.

Two comparisons are deliberately lenient: a creation template declaring ``KMS`` without a key
accepts any key (the AWS-managed key's ARN is not known in advance), and a pull-through cache
rule that declares no upstream registry (and whose URL implies none) accepts the one read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from regform.documents.docdiff import diff_documents
from regform.documents.normalize import canonical_json, encryption_equal, normalize_iam_policy
from regform.model import JsonDict
from regform.plan import Action, FieldChange
from regform.registry_settings.shapes import (
    ACCOUNT_SETTINGS,
    CREATION_TEMPLATES,
    KEYED_KINDS,
    PULL_THROUGH_CACHE_RULES,
    PULL_THROUGH_FIELDS,
    PULL_THROUGH_REPLACE_ON,
    PULL_THROUGH_UPDATABLE,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    TEMPLATE_FIELDS,
    canonical_item,
    canonical_setting,
    normalize_item,
    normalize_setting,
    setting_entries,
)

_Identity = Callable[[JsonDict], str]


def _list_diff(before: Sequence[Any], after: Sequence[Any]) -> tuple[str, ...]:
    b = {canonical_json(v): v for v in before}
    a = {canonical_json(v): v for v in after}
    removed = [f"- {_show(b[k])}" for k in sorted(b.keys() - a.keys())]
    added = [f"+ {_show(a[k])}" for k in sorted(a.keys() - b.keys())]
    return (*removed, *added)


def _show(value: Any) -> str:
    return value if isinstance(value, str) else canonical_json(value)


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def _policy_change(path: str, before: Any, after: Any) -> FieldChange | None:
    if canonical_json(normalize_iam_policy(before)) == canonical_json(normalize_iam_policy(after)):
        return None
    diff = diff_documents(
        normalize_iam_policy(before, keep_sid=True), normalize_iam_policy(after, keep_sid=True)
    )
    return FieldChange(path, before, after, diff=diff)


# Rules of singletons (scanning, replication) -------------------------------------------------


def _pair_rules(
    before: list[JsonDict], after: list[JsonDict], identities: Sequence[_Identity]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(pairs of differing rules, removed before-indexes, added after-indexes)."""
    b_left, a_left = list(range(len(before))), list(range(len(after)))
    for ai in list(a_left):
        same = [bi for bi in b_left if canonical_json(before[bi]) == canonical_json(after[ai])]
        if same:
            b_left.remove(same[0])
            a_left.remove(ai)
    pairs: list[tuple[int, int]] = []
    for ident in identities:
        for ai in list(a_left):
            key = ident(after[ai])
            b_match = [bi for bi in b_left if ident(before[bi]) == key]
            a_match = [x for x in a_left if ident(after[x]) == key]
            if len(b_match) == 1 and len(a_match) == 1:
                pairs.append((b_match[0], ai))
                b_left.remove(b_match[0])
                a_left.remove(ai)
    positional = list(zip(b_left, a_left, strict=False))
    pairs.extend(positional)
    removed = b_left[len(positional) :]
    added = a_left[len(positional) :]
    return sorted(pairs, key=lambda p: p[1]), removed, added


def _rule_changes(
    before: list[JsonDict],
    after: list[JsonDict],
    identities: Sequence[_Identity],
    keys: Sequence[str],
) -> list[FieldChange]:
    pairs, removed, added = _pair_rules(before, after, identities)
    out: list[FieldChange] = []
    for bi, ai in pairs:
        b, a = before[bi], after[ai]
        for key in keys:
            bv, av = b.get(key), a.get(key)
            if canonical_json(bv) == canonical_json(av):
                continue
            diff = _list_diff(bv, av) if isinstance(bv, list) and isinstance(av, list) else ()
            out.append(FieldChange(f"rules[{ai}].{key}", bv, av, diff=diff))
    out.extend(FieldChange(f"rules[{ai}]", None, after[ai]) for ai in added)
    out.extend(FieldChange(f"rules[{bi}]", before[bi], None) for bi in removed)
    return out


def _scanning_changes(before: Any, after: Any) -> list[FieldChange]:
    b, a = canonical_setting(SCANNING, before), canonical_setting(SCANNING, after)
    out: list[FieldChange] = []
    if b["scan_type"] != a["scan_type"]:
        out.append(FieldChange("scan_type", b["scan_type"], a["scan_type"]))
    by_frequency: _Identity = lambda r: str(r["frequency"])  # noqa: E731
    out.extend(_rule_changes(b["rules"], a["rules"], [by_frequency], ["frequency", "filters"]))
    return out


def _replication_changes(before: Any, after: Any) -> list[FieldChange]:
    b, a = canonical_setting(REPLICATION, before), canonical_setting(REPLICATION, after)
    by_destinations: _Identity = lambda r: canonical_json(r["destinations"])  # noqa: E731
    by_filters: _Identity = lambda r: canonical_json(r["filters"])  # noqa: E731
    keys = ["destinations", "filters", "delete_replication"]
    return _rule_changes(b["rules"], a["rules"], [by_destinations, by_filters], keys)


# Entries of keyed kinds ----------------------------------------------------------------------


def _blank(fields: Sequence[str]) -> JsonDict:
    return dict.fromkeys(fields)


def _entry_views(kind: str, fields: Sequence[str], item: Any) -> tuple[JsonDict, JsonDict]:
    """An entry as shown (canonical) and as compared (normalized); every field blank when the
    entry is absent."""
    if item is None:
        return _blank(fields), _blank(fields)
    return (
        canonical_item(kind, item) or _blank(fields),
        normalize_item(kind, item) or _blank(fields),
    )


def _pull_through_changes(before: Any, after: Any) -> list[FieldChange]:
    both = before is not None and after is not None
    b_show, b = _entry_views(PULL_THROUGH_CACHE_RULES, PULL_THROUGH_FIELDS, before)
    a_show, a = _entry_views(PULL_THROUGH_CACHE_RULES, PULL_THROUGH_FIELDS, after)
    out: list[FieldChange] = []
    for f in PULL_THROUGH_FIELDS:
        if b[f] == a[f]:
            continue
        if both and f == "upstream_registry" and a[f] is None:
            continue  # not declared and not implied by the URL: whatever ECR chose
        if not both and _empty(b_show[f]) and _empty(a_show[f]):
            continue
        forces = both and (
            f in PULL_THROUGH_REPLACE_ON or (f in PULL_THROUGH_UPDATABLE and a[f] is None)
        )
        out.append(FieldChange(f, b_show[f], a_show[f], forces_replacement=forces))
    return out


def _template_changes(before: Any, after: Any) -> list[FieldChange]:
    b_show, b = _entry_views(CREATION_TEMPLATES, TEMPLATE_FIELDS, before)
    a_show, a = _entry_views(CREATION_TEMPLATES, TEMPLATE_FIELDS, after)
    out: list[FieldChange] = []
    for f in TEMPLATE_FIELDS:
        bv, av = b_show[f], a_show[f]
        if _empty(bv) and _empty(av):
            continue
        if f == "encryption" and bv is not None and av is not None:
            if not encryption_equal(av, bv):
                out.append(FieldChange(f, bv, av))
        elif f == "tags":
            out.extend(_tag_changes(bv or {}, av or {}))
        elif f == "repository_policy":
            change = _policy_change(f, bv, av)
            if change is not None:
                out.append(change)
        elif canonical_json(b[f]) == canonical_json(a[f]):
            continue
        elif f == "lifecycle_policy":
            out.append(FieldChange(f, bv, av, diff=diff_documents(b[f], a[f])))
        elif isinstance(bv, list) or isinstance(av, list):
            out.append(FieldChange(f, bv, av, diff=_list_diff(bv or [], av or [])))
        else:
            out.append(FieldChange(f, bv, av))
    return out


def _tag_changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[FieldChange]:
    keys = sorted(before.keys() | after.keys())
    return [
        FieldChange(f"tags.{k}", before.get(k), after.get(k))
        for k in keys
        if before.get(k) != after.get(k)
    ]


def _account_changes(before: Any, after: Any) -> list[FieldChange]:
    if after is None:
        return []
    b = canonical_setting(ACCOUNT_SETTINGS, before)
    a = canonical_setting(ACCOUNT_SETTINGS, after)
    return [FieldChange(name, b.get(name), a[name]) for name in a if b.get(name) != a[name]]


# Public API ---------------------------------------------------------------------------------


def setting_field_changes(kind: str, before: Any, after: Any) -> tuple[FieldChange, ...]:
    """The field changes turning ``before`` into ``after`` (one entry, see the module doc)."""
    if kind == REGISTRY_POLICY:
        change = _policy_change(
            "policy", canonical_setting(kind, before), canonical_setting(kind, after)
        )
        return (change,) if change is not None else ()
    if kind == SCANNING:
        return tuple(_scanning_changes(before, after))
    if kind == REPLICATION:
        return tuple(_replication_changes(before, after))
    if kind == PULL_THROUGH_CACHE_RULES:
        return tuple(_pull_through_changes(before, after))
    if kind == CREATION_TEMPLATES:
        return tuple(_template_changes(before, after))
    if kind == ACCOUNT_SETTINGS:
        return tuple(_account_changes(before, after))
    raise ValueError(f"unknown setting kind {kind!r}")


def setting_requires_replace(kind: str, before: Any, after: Any) -> bool:
    """Whether turning ``before`` into ``after`` needs a delete and a create (pull-through
    cache rules whose upstream changes)."""
    return any(f.forces_replacement for f in setting_field_changes(kind, before, after))


def settings_equal(kind: str, desired: Any, actual: Any) -> bool:
    """Whether the registry's whole value of a kind already is what the config declares.

    Account settings compare only the names declared. Keyed kinds compare every entry, so an
    entry the registry has and the config does not declare makes them differ.
    """
    if kind == ACCOUNT_SETTINGS:
        return not setting_field_changes(kind, actual, desired)
    if kind not in KEYED_KINDS and kind != REGISTRY_POLICY:
        return canonical_json(normalize_setting(kind, desired)) == canonical_json(
            normalize_setting(kind, actual)
        )
    want, have = setting_entries(kind, desired), setting_entries(kind, actual)
    if want.keys() != have.keys():
        return False
    return not any(setting_field_changes(kind, have[n], want[n]) for n in want)


def setting_notes(kind: str, action: Action) -> tuple[str, ...]:
    """What a reviewer should know about a change of this kind (for ``Change.notes``)."""
    notes: list[str] = []
    if kind == ACCOUNT_SETTINGS:
        notes.append(
            "account settings are never reset: a name removed from the config keeps its value"
        )
    elif kind == SCANNING and action is Action.DELETE:
        notes.append("removing the scanning configuration sets BASIC scanning with no rules")
    elif kind == REPLICATION and action is Action.DELETE:
        notes.append("removing replication sets an empty replication configuration")
    elif kind == REPLICATION:
        notes.append("replication applies to images pushed after the change only")
    elif kind == PULL_THROUGH_CACHE_RULES and action is Action.REPLACE:
        notes.append(
            "the rule is deleted and created again (its upstream cannot change in place); "
            "repositories and images already cached stay"
        )
    elif kind == PULL_THROUGH_CACHE_RULES and action is Action.DELETE:
        notes.append("repositories and images already cached stay")
    elif kind == CREATION_TEMPLATES:
        notes.append("templates apply to repositories ECR creates from now on, not existing ones")
    return tuple(notes)
