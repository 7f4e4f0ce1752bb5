"""What to read from a registry, and only that.

One listing call gives every repository with the cheap fields (``Capabilities.listing_fields``).
Details are then read only where they matter:

* a declared repository that exists (declared by name, or matching a pattern entry): the fields
  it manages beyond the listing (plus its tags when ownership is by tag, to keep the ownership
  tag on it);
* an undeclared repository inside the scope: its tags, and only when ``prune`` is on and
  ownership is by tag (the planner needs the ownership tag to decide);
* nothing else. ``--target`` globs drop every other repository before any detail is read.

On a registry without native lifecycle support, the images of every declared repository with a
lifecycle policy are read too (:func:`read_images`): regform enforces the policy itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from regform import model as m
from regform.model import Image, RegistryConfig, RegistryState, Repository
from regform.planning.scope import (
    in_scope,
    in_targets,
    managed_fields,
    pattern_repositories,
    prunes_by_tag,
)
from regform.providers.base import Provider


def details_wanted(
    reg: RegistryConfig,
    listing: Mapping[str, Repository],
    desired: Mapping[str, Repository],
    provider: Provider,
) -> dict[str, frozenset[str]]:
    """Repository name -> fields to read beyond the listing."""
    caps = provider.capabilities
    wanted: dict[str, frozenset[str]] = {}
    for name in sorted(listing):
        declared = desired.get(name)
        if declared is not None:
            fields = managed_fields(declared, reg, caps) - caps.listing_fields
        elif prunes_by_tag(reg, caps) and in_scope(name, reg):
            fields = frozenset({m.TAGS})
        else:
            continue
        if fields:
            wanted[name] = frozenset(fields)
    return wanted


def _merge(listed: Repository, detailed: Repository) -> Repository:
    """The detailed repository, completed with listing fields it did not carry."""
    extra = listed.loaded - detailed.loaded
    own = extra & set(m.REPOSITORY_FIELDS)
    return dataclasses.replace(
        detailed,
        **{f: getattr(listed, f) for f in own},
        extra={**{f: listed.extra.get(f) for f in extra - own}, **detailed.extra},
        loaded=detailed.loaded | listed.loaded,
        info={**listed.info, **detailed.info},
    )


def read_registry(
    reg: RegistryConfig,
    provider: Provider,
    *,
    desired: Mapping[str, Repository] | None = None,
    targets: Sequence[str] | None = None,
) -> RegistryState:
    """The actual state of one registry, restricted to ``targets`` (see the module docstring)."""
    declared = desired if desired is not None else reg.repositories
    listing = {n: r for n, r in provider.list_repositories().items() if in_targets(n, targets)}
    wanted_repos = {**pattern_repositories(reg, listing, declared), **declared}
    wanted = details_wanted(reg, listing, wanted_repos, provider)
    repos = dict(listing)
    if wanted:
        for name, repo in provider.read_details(wanted).items():
            if name in repos:
                repos[name] = _merge(repos[name], repo)
    kinds = frozenset(reg.settings) & provider.capabilities.settings
    settings = provider.read_settings(kinds) if kinds else {}
    return RegistryState(repositories=repos, settings=settings)


def read_images(provider: Provider, names: Sequence[str]) -> dict[str, list[Image]]:
    """The images of each named repository (concurrently when the provider can)."""
    if not names:
        return {}
    found = provider.list_images_many(names)
    return {n: list(found.get(n, [])) for n in names}
