"""The guards a plan carries: what apply refuses without an explicit flag.

* every destructive change (a repository deleted or replaced, images deleted to enforce a
  lifecycle, a registry setting deleted or replaced) needs ``--allow-destroy``;
* a registry whose updates, replaces and deletes exceed ``safety.max_change_percent`` of the
  repositories regform owns there (when it owns at least ``safety.min_repositories``) needs
  ``--force``;
* a change that creates an entry of a field holding a secret the registry shows only once
  (:attr:`~regform.model.Capabilities.secret_fields`: a Harbor robot account, created or
  re-created) needs a place to put it: ``--secrets-file`` (or ``--show-secrets``). It is checked
  before any write, so a run without one changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from regform.model import Capabilities, RegistryConfig
from regform.plan import IMAGES, REPOSITORY, Action, Change, Guard


def destroy_message(change: Change) -> str:
    """What the ``--allow-destroy`` guard of a destructive change says."""
    if change.kind == IMAGES:
        n = len((change.before or {}).get("images") or ())
        images = "image" if n == 1 else "images"
        return f"{change.registry}/{change.name}: {n} {images} will be deleted (lifecycle)"
    if change.kind != REPOSITORY:
        verb = "deleted" if change.action is Action.DELETE else "replaced (deleted, then created)"
        return f"{change.address} will be {verb}"
    if change.action is Action.DELETE:
        return f"{change.address} will be deleted"
    return f"{change.address} must be replaced (deletes every image in it)"


def _threshold_guard(reg: RegistryConfig, changes: Sequence[Change], owned: int) -> Guard | None:
    n = sum(1 for c in changes if c.kind == REPOSITORY and c.action is not Action.CREATE)
    safety = reg.safety
    if owned == 0 or owned < safety.min_repositories:
        return None
    percent = 100.0 * n / owned
    if percent <= safety.max_change_percent:
        return None
    return Guard(
        reg.name,
        "--force",
        f"{n} of {owned} owned repositories in {reg.name} would change or go ({percent:.0f}%), "
        f"over the {safety.max_change_percent:g}% limit",
    )


#: the guard flag of a secret shown only once; ``--show-secrets`` meets it too.
SECRETS_FLAG = "--secrets-file"


def _names(value: Any) -> set[str]:
    return set(value) if isinstance(value, dict) else set()


def new_secrets(change: Change, fields: frozenset[str]) -> list[str]:
    """``robots.ci``: the entries of secret fields ``change`` creates (all of them when it
    creates or re-creates the repository, else the ones its field changes add)."""
    if change.kind != REPOSITORY or change.action is Action.DELETE:
        return []
    found: list[str] = []
    for name in sorted(fields):
        if change.action in (Action.CREATE, Action.REPLACE):
            added = _names((change.after or {}).get(name))
        else:
            f = next((f for f in change.fields if f.path == name), None)
            added = _names(f.after) - _names(f.before) if f is not None else set()
        found.extend(f"{name}.{entry}" for entry in sorted(added))
    return found


def secret_message(change: Change, entries: Sequence[str]) -> str:
    """What the guard of a change creating secrets says."""
    one = len(entries) == 1
    return (
        f"{change.address}: {', '.join(entries)} will be created with "
        f"{'a secret' if one else 'secrets'} shown only once "
        f"(--show-secrets prints {'it' if one else 'them'} instead)"
    )


def secret_guards(
    reg: RegistryConfig, changes: Sequence[Change], caps: Capabilities
) -> list[Guard]:
    guards: list[Guard] = []
    for change in changes:
        entries = new_secrets(change, caps.secret_fields)
        if entries:
            guards.append(Guard(reg.name, SECRETS_FLAG, secret_message(change, entries)))
    return guards


def registry_guards(
    reg: RegistryConfig, changes: Sequence[Change], owned: int, caps: Capabilities
) -> list[Guard]:
    """Every guard one registry's (sorted) changes trip."""
    guards = [
        Guard(reg.name, "--allow-destroy", destroy_message(c)) for c in changes if c.destructive
    ]
    guards.extend(secret_guards(reg, changes, caps))
    threshold = _threshold_guard(reg, changes, owned)
    if threshold is not None:
        guards.append(threshold)
    return guards
