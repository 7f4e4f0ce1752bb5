"""Field-by-field comparison of a declared repository with the one found.

Each managed field the provider supports is compared in normalized form
(:mod:`regform.documents.normalize`); a difference becomes a :class:`~regform.plan.FieldChange`
carrying the raw values (desired as written, actual as read) and readable ``diff`` lines for
documents, tags and exclusion lists.

Tags are one field change (``tags``) whose ``before``/``after`` hold only the keys regform manages:
a key in ``before`` missing from ``after`` is to be removed, every key of ``after`` set. Ignored
keys never appear. The ownership tag is kept on (and added to) declared repositories under
``ownership: tag``, and left alone otherwise unless declared.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.documents.docdiff import diff_documents, fmt_value
from regform.documents.normalize import display_form, field_equal
from regform.model import Capabilities, RegistryConfig, Repository
from regform.plan import FieldChange
from regform.planning.lifecycle_display import lifecycle_display
from regform.planning.scope import declared_repository, managed_fields, tag_ownership

DOCUMENT_FIELDS = frozenset({m.LIFECYCLE_POLICY, m.REPOSITORY_POLICY})


def tag_sides(
    desired: Repository, actual: Repository, reg: RegistryConfig, caps: Capabilities
) -> tuple[dict[str, str], dict[str, str]]:
    """(after, before) tag dicts restricted to the keys regform manages on this repository."""
    key, value = reg.ownership_tag
    ignore = set(desired.ignore_tags)
    actual_tags = dict(actual.tags)
    if m.TAGS in desired.managed:
        wanted = {k: v for k, v in desired.tags.items() if k not in ignore}
        if key not in desired.tags and key not in ignore:
            if tag_ownership(reg, caps):
                wanted[key] = value
            else:
                ignore.add(key)
        before = {k: v for k, v in actual_tags.items() if k not in ignore}
        return wanted, before
    # Tags not managed: only the ownership tag.
    before = {key: actual_tags[key]} if key in actual_tags else {}
    return {key: value}, before


def tag_diff(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, ...]:
    lines: list[str] = []
    for k in sorted(before.keys() | after.keys()):
        if k not in after:
            lines.append(f"- {k}: {fmt_value(before[k])}")
        elif k not in before:
            lines.append(f"+ {k}: {fmt_value(after[k])}")
        elif before[k] != after[k]:
            lines.append(f"~ {k}: {fmt_value(before[k])} -> {fmt_value(after[k])}")
    return tuple(lines)


def declared_key(name: str, reg: RegistryConfig) -> str | None:
    """The KMS key of repository ``name`` as the config wrote it (an alias, say), before the
    provider resolved it."""
    declared = declared_repository(name, reg)
    return declared.encryption.kms_key if declared is not None else None


def encryption_sides(
    found: Any, declared: Any, key: str | None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(found, declared) encryption with the declared key as written (``alias/team-a``) where it
    differs from the key it names; ``None`` when the declared key is what is compared anyway."""
    resolved = (declared or {}).get("kms_key")
    if not key or not resolved or key == resolved:
        return None
    old = {k: v for k, v in (found or {}).items() if v is not None}
    shown = {k: v for k, v in (declared or {}).items() if v is not None}
    # The same key under another spelling is no change of key.
    shown["kms_key"] = old["kms_key"] if old.get("kms_key") == resolved else key
    return old, shown


def encryption_display(before: Any, after: Any, key: str | None) -> tuple[str, ...]:
    """The encryption change with the key as declared (``+ kms_key: "alias/team-a"``); nothing
    when the declared key is what is compared anyway."""
    sides = encryption_sides(before, after, key)
    return tag_diff(*sides) if sides else ()


def field_change(
    name: str,
    before: Any,
    after: Any,
    caps: Capabilities,
    *,
    readable: bool = False,
    kms_key: str | None = None,
    words: Any = None,
) -> FieldChange:
    """A difference of one field. ``display`` shows it in the config's words where they differ
    from what is compared: a lifecycle policy declared with readable rules (``readable``), a
    KMS key declared by alias (``kms_key``, as written), a field the provider compares in
    another form (``words``: ``Repository.declared_words``, shown by its ``field_display``)."""
    diff: tuple[str, ...] = ()
    display: tuple[str, ...] = ()
    if words is not None and caps.field_display is not None:
        module = importlib.import_module(caps.field_display)
        display = module.display_lines(name, before, after, words)
    elif name == m.LIFECYCLE_POLICY and readable:
        display = lifecycle_display(before, after)
    elif name == m.ENCRYPTION:
        display = encryption_display(before, after, kms_key)
    if name in DOCUMENT_FIELDS:
        diff = diff_documents(display_form(name, before), display_form(name, after))
    elif name == m.TAGS:
        diff = tag_diff(before or {}, after or {})
    elif name not in m.REPOSITORY_FIELDS and caps.field_display is not None:
        diff = importlib.import_module(caps.field_display).diff_lines(name, before, after)
    elif name not in m.REPOSITORY_FIELDS and isinstance(after or before, dict | list):
        diff = diff_documents(before, after)
    elif name == m.MUTABILITY_EXCLUSIONS:
        b, a = set(before or ()), set(after or ())
        diff = tuple(f"- {v}" for v in sorted(b - a)) + tuple(f"+ {v}" for v in sorted(a - b))
    return FieldChange(
        path=name,
        before=before,
        after=after,
        forces_replacement=name in caps.replace_on,
        diff=diff,
        display=display,
    )


def compared_fields(caps: Capabilities) -> tuple[str, ...]:
    """Every field a provider supports, in display order: regform's own fields, then the
    provider's (``Repository.extra``) by name."""
    own = tuple(f for f in m.REPOSITORY_FIELDS if f in caps.fields)
    return own + tuple(sorted(caps.fields - set(m.REPOSITORY_FIELDS)))


def compare(
    desired: Repository,
    actual: Repository,
    reg: RegistryConfig,
    caps: Capabilities,
    warnings: list[str],
) -> list[FieldChange]:
    changes: list[FieldChange] = []
    for name in compared_fields(caps):
        if name not in managed_fields(desired, reg, caps):
            continue
        if name not in actual.loaded:
            warnings.append(f"{reg.name}/{desired.name}: {name} was not read; not compared")
            continue
        if name == m.TAGS:
            after, before = tag_sides(desired, actual, reg, caps)
            if before != after:
                changes.append(field_change(name, before, after, caps))
            continue
        d, a = desired.value(name), actual.value(name)
        if not field_equal(name, d, a):
            key = declared_key(desired.name, reg) if name == m.ENCRYPTION else None
            readable = desired.lifecycle_readable
            words = desired.declared_words.get(name)
            changes.append(
                field_change(name, a, d, caps, readable=readable, kms_key=key, words=words)
            )
    return changes
