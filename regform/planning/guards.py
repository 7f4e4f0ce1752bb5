"""The guards a plan carries: what apply refuses without an explicit flag.

* every destructive change (a repository deleted or replaced, images deleted to enforce a
  lifecycle, a registry setting deleted or replaced) needs ``--allow-destroy``;
* a registry whose updates, replaces and deletes exceed ``safety.max_change_percent`` of the
  repositories regform owns there (when it owns at least ``safety.min_repositories``) needs
  ``--force``.
"""

from __future__ import annotations

from collections.abc import Sequence

from regform.model import RegistryConfig
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


def registry_guards(reg: RegistryConfig, changes: Sequence[Change], owned: int) -> list[Guard]:
    """Every guard one registry's (sorted) changes trip."""
    guards = [
        Guard(reg.name, "--allow-destroy", destroy_message(c)) for c in changes if c.destructive
    ]
    threshold = _threshold_guard(reg, changes, owned)
    if threshold is not None:
        guards.append(threshold)
    return guards
