"""What regform owns in a registry, and what it needs to read there.

Scope globs say which repository names regform may touch; ``--target`` globs narrow one run;
ownership by tag also requires the ownership tag (``managed-by=regform``) before an undeclared
repository is deleted. Shared by the reader (what to read) and the planner (what to change).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

from regform import model as m
from regform.model import RegistryConfig, RegistryState, Repository
from regform.providers.base import Capabilities


def matches_any(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(name, p) for p in patterns)


def in_targets(name: str, targets: Sequence[str] | None) -> bool:
    """Whether ``--target`` globs (none given = everything) select this repository."""
    return not targets or matches_any(name, targets)


def in_scope(name: str, reg: RegistryConfig) -> bool:
    return matches_any(name, reg.scope)


def tag_ownership(reg: RegistryConfig, caps: Capabilities) -> bool:
    return reg.ownership == "tag" and m.TAGS in caps.fields


def prunes_by_tag(reg: RegistryConfig, caps: Capabilities) -> bool:
    """Undeclared repositories need their tags read (to see the ownership tag)."""
    return reg.prune and caps.can_delete and tag_ownership(reg, caps)


def managed_fields(desired: Repository, reg: RegistryConfig, caps: Capabilities) -> frozenset[str]:
    """Fields compared for a declared repository (tag ownership adds tags). Without native
    lifecycle support the policy is not a stored field: regform enforces it (see below)."""
    fields = desired.managed & caps.fields
    if tag_ownership(reg, caps):
        fields |= {m.TAGS}
    if not caps.native_lifecycle:
        fields -= {m.LIFECYCLE_POLICY}
    return fields


def enforced_repositories(
    desired: Mapping[str, Repository], actual: RegistryState, caps: Capabilities
) -> list[str]:
    """Repositories whose lifecycle regform enforces itself (their images must be read): on a
    registry without native lifecycle, declared with a lifecycle policy, and existing."""
    if caps.native_lifecycle:
        return []
    return sorted(
        name
        for name, repo in desired.items()
        if m.LIFECYCLE_POLICY in repo.managed
        and repo.lifecycle_policy is not None
        and name in actual.repositories
    )


def registry_force_delete(reg: RegistryConfig) -> bool:
    """Registry-wide ``force_delete`` (for undeclared repositories pruned there)."""
    return reg.force_delete
