"""Minimal readable diffs of JSON documents, one line per difference.

Both documents are expected in their display form
(:func:`regform.documents.normalize.display_form`), so that ordering and defaults never show up as
differences. Line grammar::

    + path: value              a key (or list element object) was added
    - path: value              a key (or list element object) was removed
    ~ path: before -> after    a value changed
    ~ path: + item             a list of plain values gained an item
    ~ path: - item             a list of plain values lost an item

Paths use dots for keys and name list elements by what identifies them:
``Statement[Sid=Pull].Principal.AWS``, ``rules[rulePriority=2].selection.countNumber``, or the
position (``Statement[1]``) when elements carry no identity.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from regform.documents.normalize import canonical_json

#: keys that identify an object inside a list, tried in order.
IDENTITY_KEYS = ("Sid", "rulePriority", "name", "id")


def fmt_value(value: Any) -> str:
    """Compact JSON (sorted keys) of a value, as shown in diff lines."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _fmt_item(value: Any) -> str:
    return value if isinstance(value, str) else fmt_value(value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _identity_key(before: Sequence[Any], after: Sequence[Any]) -> str | None:
    items = [*before, *after]
    if not items or not all(isinstance(i, Mapping) for i in items):
        return None
    for key in IDENTITY_KEYS:
        if all(key in i for i in items):
            b = [canonical_json(i[key]) for i in before]
            a = [canonical_json(i[key]) for i in after]
            if len(set(b)) == len(b) and len(set(a)) == len(a):
                return key
    return None


def _label(path: str, key: str, value: Any) -> str:
    shown = value if isinstance(value, str) else fmt_value(value)
    return f"{path}[{key}={shown}]"


def _diff_list(path: str, before: Sequence[Any], after: Sequence[Any], out: list[str]) -> None:
    key = _identity_key(before, after)
    if key is not None:
        b_by = {canonical_json(i[key]): i for i in before}
        a_by = {canonical_json(i[key]): i for i in after}
        for ident in sorted(b_by.keys() - a_by.keys()):
            out.append(f"- {_label(path, key, b_by[ident][key])}: {fmt_value(b_by[ident])}")
        for ident in sorted(b_by.keys() & a_by.keys()):
            _diff(_label(path, key, a_by[ident][key]), b_by[ident], a_by[ident], out)
        for ident in sorted(a_by.keys() - b_by.keys()):
            out.append(f"+ {_label(path, key, a_by[ident][key])}: {fmt_value(a_by[ident])}")
        return
    b_keys = [canonical_json(i) for i in before]
    a_keys = [canonical_json(i) for i in after]
    removed = [v for v, k in zip(before, b_keys, strict=True) if k not in a_keys]
    added = [(n, v) for n, (v, k) in enumerate(zip(after, a_keys, strict=True)) if k not in b_keys]
    plain = all(not isinstance(v, Mapping | list) for v in [*before, *after])
    if plain:
        out.extend(f"~ {path}: - {_fmt_item(v)}" for v in removed)
        out.extend(f"~ {path}: + {_fmt_item(v)}" for _, v in added)
        return
    # Objects without identity: pair what changed by position, the rest is added or removed.
    pairs = min(len(removed), len(added))
    for old, (n, new) in zip(removed[:pairs], added[:pairs], strict=True):
        _diff(f"{path}[{n}]", old, new, out)
    for old in removed[pairs:]:
        out.append(f"- {path}[{before.index(old)}]: {fmt_value(old)}")
    for n, new in added[pairs:]:
        out.append(f"+ {path}[{n}]: {fmt_value(new)}")


def _diff(path: str, before: Any, after: Any, out: list[str]) -> None:
    if canonical_json(before) == canonical_json(after):
        return
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        for key in sorted(before.keys() | after.keys(), key=str):
            sub = _join(path, str(key))
            if key not in after:
                out.append(f"- {sub}: {fmt_value(before[key])}")
            elif key not in before:
                out.append(f"+ {sub}: {fmt_value(after[key])}")
            else:
                _diff(sub, before[key], after[key], out)
        return
    if isinstance(before, list) and isinstance(after, list):
        _diff_list(path, before, after, out)
        return
    out.append(f"~ {path or '.'}: {fmt_value(before)} -> {fmt_value(after)}")


def _empty_like(doc: Any) -> Any:
    if isinstance(doc, Mapping):
        return {k: [] for k, v in doc.items() if isinstance(v, list)}
    return [] if isinstance(doc, list) else None


def diff_documents(before: Any, after: Any) -> tuple[str, ...]:
    """The differences between two documents (``None`` = no document), one line each."""
    out: list[str] = []
    if before is None and after is None:
        return ()
    if before is None:
        before = _empty_like(after)
    if after is None:
        after = _empty_like(before)
    _diff("", before, after, out)
    return tuple(out)
