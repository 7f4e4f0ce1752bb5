"""What regform owns in a registry, and what it needs to read there.

Scope globs say which repository names regform may touch; ``--target`` globs narrow one run;
ownership by tag also requires the ownership tag (``managed-by=regform``) before an undeclared
repository is deleted. Shared by the reader (what to read) and the planner (what to change).

A repository is declared by name, or by a pattern entry (``pattern: "apps/*"``) that matches its
name inside the scope: :func:`declared_repository`. A name declared by name never takes a
pattern's settings; among patterns the first in config order applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fnmatch import fnmatchcase

from regform import model as m
from regform.model import (
    Capabilities,
    RegistryConfig,
    RegistryState,
    Repository,
    RepositoryPattern,
    matches_any,
)


def in_targets(name: str, targets: Sequence[str] | None) -> bool:
    """Whether ``--target`` globs (none given = everything) select this repository."""
    return not targets or matches_any(name, targets)


def unmatched_targets(targets: Sequence[str] | None, names: Iterable[str]) -> list[str]:
    """The ``--target`` globs that select none of ``names``, in the order given."""
    if not targets:
        return []
    left = list(dict.fromkeys(targets))
    for name in names:
        left = [t for t in left if not matches_any(name, [t])]
        if not left:
            break
    return left


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


def pattern_matches(pattern: RepositoryPattern, name: str, cache_suffix: str) -> bool:
    """Whether ``name`` is a match of the pattern, or (``cache: true``) a match's companion."""
    if fnmatchcase(name, pattern.pattern):
        return True
    if pattern.cache and cache_suffix and name.endswith(cache_suffix):
        return fnmatchcase(name[: -len(cache_suffix)], pattern.pattern)
    return False


def patterns_for(name: str, reg: RegistryConfig) -> list[RepositoryPattern]:
    """Every pattern entry matching ``name`` inside the scope, in config order."""
    if not in_scope(name, reg):
        return []
    return [p for p in reg.patterns if pattern_matches(p, name, reg.cache_suffix)]


def declared_repository(name: str, reg: RegistryConfig) -> Repository | None:
    """The desired repository ``name``: declared by name, else by the first matching pattern."""
    declared = reg.repositories.get(name)
    if declared is not None:
        return declared
    found = patterns_for(name, reg)
    return found[0].repository(name) if found else None


def pattern_repositories(
    reg: RegistryConfig, names: Iterable[str], declared: Mapping[str, Repository]
) -> dict[str, Repository]:
    """The repositories among ``names`` that no name in ``declared`` covers but a pattern entry
    does, with that pattern's settings."""
    if not reg.patterns:
        return {}
    out: dict[str, Repository] = {}
    for name in names:
        if name in declared or name in reg.repositories:
            continue
        found = patterns_for(name, reg)
        if found:
            out[name] = found[0].repository(name)
    return out
