"""What else than its lifecycle policy decides what a policy removes: the facts a preview needs.

A provider's lifecycle engine names the repository fields that protect images from its policy
(``PREVIEW_FIELDS``: Harbor's immutable-tag rules keep what its retention would delete). A
preview evaluates the policy with those fields as they will be when the registry runs it:

* the plan, and ``regform lifecycle preview`` of the declared policy: after apply, so the
  value the configuration declares where it manages the field, the registry's where it does not
  (read here when the plan did not read it already: one read of that field);
* ``--policy-from registry``: the registry's own values, read with its policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from regform.model import Repository
from regform.providers.base import Provider


def missing(
    fields: frozenset[str], desired: Repository | None, *actual: Repository | None
) -> frozenset[str]:
    """The fields neither the configuration manages nor any of ``actual`` read."""
    known = set(desired.managed if desired is not None else ())
    for repo in actual:
        if repo is not None:
            known |= repo.loaded
    return fields - known


def in_effect(
    fields: frozenset[str], desired: Repository | None, actual: Iterable[Repository | None]
) -> dict[str, Any]:
    """Each field's value when the registry next runs the policy: the declared one where the
    configuration manages it, else the first of ``actual`` that read it (absent: unknown)."""
    found: dict[str, Any] = {}
    for fld in sorted(fields):
        if desired is not None and fld in desired.managed:
            found[fld] = desired.value(fld)
            continue
        for repo in actual:
            if repo is not None and fld in repo.loaded:
                found[fld] = repo.value(fld)
                break
    return found


def read_facts(
    provider: Provider,
    fields: frozenset[str],
    name: str,
    desired: Repository | None,
    actual: Repository | None = None,
) -> dict[str, Any]:
    """The facts of repository ``name`` in effect after apply, reading what nobody read yet."""
    need = missing(fields, desired, actual)
    fresh = provider.read_details({name: need}).get(name) if need else None
    return in_effect(fields, desired, (fresh, actual))
