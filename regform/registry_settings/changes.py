"""The plan changes that turn the registry's value of one setting kind into the declared one.

One change per entry (see :func:`~regform.registry_settings.setting_entries`), carrying the entry in
canonical form as ``before``/``after``, its field changes, and the notes a reviewer needs:

* an entry declared and missing is created; one that differs is updated, or replaced when a
  field that cannot change in place changes (a pull-through cache rule's upstream);
* a registry policy declared as none is deleted;
* an entry of a keyed kind (pull-through cache rule, creation template) that exists but is not
  declared is deleted only with ``prune``; otherwise it is left alone;
* account settings compare and show only the names declared.
"""

from __future__ import annotations

from typing import Any

from regform.plan import Action, Change
from regform.registry_settings.fields import setting_field_changes, setting_notes
from regform.registry_settings.shapes import ACCOUNT_SETTINGS, KEYED_KINDS, setting_entries


def setting_changes(
    registry: str, kind: str, desired: Any, actual: Any, *, prune: bool = False
) -> list[Change]:
    """The changes for one declared setting kind (none when the registry already matches)."""
    want, have = setting_entries(kind, desired), setting_entries(kind, actual)
    changes: list[Change] = []
    for name in sorted(want.keys() | have.keys()):
        after, before = want.get(name), have.get(name)
        if kind == ACCOUNT_SETTINGS and after is not None and before is not None:
            before = {k: v for k, v in before.items() if k in after}
        if after is None and kind in KEYED_KINDS and not prune:
            continue
        fields = setting_field_changes(kind, before, after)
        if after is None:
            action = Action.DELETE
        elif before is None:
            action = Action.CREATE
        elif not fields:
            continue
        elif any(f.forces_replacement for f in fields):
            action = Action.REPLACE
        else:
            action = Action.UPDATE
        changes.append(
            Change(
                registry,
                kind,
                name,
                action,
                fields=fields,
                before=before,
                after=after,
                notes=setting_notes(kind, action),
            )
        )
    return changes
