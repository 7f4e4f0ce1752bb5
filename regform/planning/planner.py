"""desired + actual -> Plan. Pure: no I/O, no API calls, nothing but comparisons.

For each registry: a declared repository that is missing is created; one that exists (declared by
name, or matching a pattern entry: those are never created here, nor deleted) gets a field change
for each managed field whose normalized values differ (a change to a field the provider cannot
change in place turns the whole change into a replace). A repository nobody declares is deleted only
when it is inside the registry's scope, ``prune`` is on and (with ``ownership: tag``) it carries the
ownership tag; otherwise it is reported as unmanaged. Every destructive change, and a registry whose
changes exceed its safety threshold, adds a :class:`~regform.plan.Guard` that apply honours
(:mod:`regform.planning.guards`). Field comparison lives in :mod:`regform.planning.compare`;
registry settings in :mod:`regform.registry_settings`; lifecycle enforcement (registries without
native lifecycle) in :mod:`regform.planning.retention`.

The ownership tag (``managed-by=regform`` by default) is set on every repository regform creates;
with ``ownership: tag`` it is also kept on (and added to) every declared repository.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from regform import model as m
from regform.documents.normalize import checksum, normalize_field
from regform.model import Capabilities, Image, RegistryConfig, RegistryState, Repository
from regform.plan import ACTION_ORDER, REPOSITORY, Action, Change, Guard, Plan, Unmanaged
from regform.plan.warnings import delete_fails
from regform.planning.compare import compare, compared_fields, declared_key, field_change
from regform.planning.guards import registry_guards
from regform.planning.retention import enforcement_change, images_checksum, unsupported_rules
from regform.planning.scope import (
    declared_repository,
    in_scope,
    in_targets,
    managed_fields,
    pattern_repositories,
    patterns_for,
    registry_force_delete,
    tag_ownership,
)
from regform.registry_settings import SETTING_KINDS, normalize_setting, setting_changes

REPLACE_NOTE = "replacing deletes every image in the repository"


def _enforcement(
    reg: RegistryConfig,
    desired: Mapping[str, Repository],
    images: Mapping[str, Sequence[Image]],
    now: datetime,
    caps: Capabilities,
    warnings: list[str],
) -> list[Change]:
    """Image deletions that enforce declared lifecycle policies (see
    :mod:`regform.planning.retention`)."""
    changes: list[Change] = []
    for name in sorted(images):
        repo = desired[name]
        policy = repo.lifecycle_policy or {}
        for problem in unsupported_rules(policy):
            warnings.append(f"{reg.name}/{name}: lifecycle {problem}; the rule is not enforced")
        change = enforcement_change(
            reg.name,
            name,
            policy,
            images[name],
            now,
            lifecycle_name=repo.lifecycle_name,
            image_time=caps.image_time,
            words=caps.preview_words,
        )
        if change is not None:
            changes.append(change)
    return changes


# Per-registry planning ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegistryPlan:
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    guards: tuple[Guard, ...] = ()
    warnings: tuple[str, ...] = ()


def create_document(desired: Repository, reg: RegistryConfig, caps: Capabilities) -> dict[str, Any]:
    """The repository as it will be created: supported managed fields plus the ownership tag."""
    fields = desired.managed & caps.fields
    repo = desired
    if m.TAGS in caps.fields:
        key, value = reg.ownership_tag
        tags: dict[str, str] = {}
        if m.TAGS in desired.managed:
            tags = {k: v for k, v in desired.tags.items() if k not in desired.ignore_tags}
        if key not in desired.ignore_tags:
            tags.setdefault(key, value)
        repo = dataclasses.replace(desired, tags=tags)
        fields |= {m.TAGS}
    return dataclasses.replace(repo, managed=fields).to_dict()


def _create(desired: Repository, reg: RegistryConfig, caps: Capabilities) -> Change:
    after = create_document(desired, reg, caps)
    # Shown as created: every supported field with a value (empty lists and absent documents
    # say nothing about the new repository).
    key = declared_key(desired.name, reg)
    readable, words = desired.lifecycle_readable, desired.declared_words
    fields = tuple(
        field_change(f, None, after[f], caps, readable=readable, kms_key=key, words=words.get(f))
        for f in compared_fields(caps)
        if f in after and after[f] not in (None, [])
    )
    return Change(reg.name, REPOSITORY, desired.name, Action.CREATE, fields=fields, after=after)


def _image_count(actual: Repository) -> int | None:
    n = actual.info.get("image_count")
    return n if isinstance(n, int) and not isinstance(n, bool) else None


def _update_or_replace(
    desired: Repository,
    actual: Repository,
    reg: RegistryConfig,
    caps: Capabilities,
    warnings: list[str],
) -> Change | None:
    fields = compare(desired, actual, reg, caps, warnings)
    if not fields:
        return None
    before = actual.to_dict()
    if any(f.forces_replacement for f in fields):
        n = _image_count(actual)
        note = REPLACE_NOTE + (f" ({n} images)" if n else "")
        return Change(
            reg.name,
            REPOSITORY,
            desired.name,
            Action.REPLACE,
            fields=tuple(fields),
            before=before,
            after=create_document(desired, reg, caps),
            notes=(note,),
            force_delete=True,
            image_count=n,
        )
    tags = dict(desired.tags)
    key, value = reg.ownership_tag
    if tag_ownership(reg, caps) and key not in desired.ignore_tags:
        tags.setdefault(key, value)
    managed = managed_fields(desired, reg, caps)
    after = dataclasses.replace(desired, tags=tags, managed=managed).to_dict()
    return Change(
        reg.name, REPOSITORY, desired.name, Action.UPDATE, tuple(fields), before=before, after=after
    )


def _delete(actual: Repository, reg: RegistryConfig, warnings: list[str]) -> Change:
    force = registry_force_delete(reg)
    n = _image_count(actual)
    address = f"{reg.name}/{actual.name}"
    notes: list[str] = []
    if n is None:
        notes.append(
            "deletes the repository and every image in it"
            if force
            else "the delete fails if the repository holds images (force_delete is off)"
        )
    elif n == 0 or force:
        notes.append(f"deletes the repository and its {n} images")
    else:
        notes.append(f"holds {n} images and force_delete is off: the delete will fail")
        warnings.append(delete_fails(address, n))
    return Change(
        reg.name,
        REPOSITORY,
        actual.name,
        Action.DELETE,
        before=actual.to_dict(),
        notes=tuple(notes),
        force_delete=force,
        image_count=n,
    )


def _unmanaged_reason(actual: Repository, reg: RegistryConfig, caps: Capabilities) -> str | None:
    """Why an undeclared repository inside the scope is kept (None = it is deleted)."""
    if not reg.prune:
        return "prune is off"
    if not caps.can_delete:
        return f"{reg.provider} repositories cannot be deleted"
    if reg.ownership == "tag":
        key, value = reg.ownership_tag
        if not tag_ownership(reg, caps) or m.TAGS not in actual.loaded:
            return f"ownership tag {key}={value} cannot be read"
        if actual.tags.get(key) != value:
            return f"not tagged {key}={value}"
    return None


def _settings_changes(
    reg: RegistryConfig, actual: RegistryState, caps: Capabilities
) -> list[Change]:
    """Changes of the declared registry-level settings (see :mod:`regform.registry_settings`)."""
    changes: list[Change] = []
    for kind in sorted(reg.settings):
        if kind in caps.settings:
            changes.extend(
                setting_changes(
                    reg.name, kind, reg.settings[kind], actual.settings.get(kind), prune=reg.prune
                )
            )
    return changes


def _declared_changes(
    reg: RegistryConfig,
    wanted: Mapping[str, Repository],
    found: Mapping[str, Repository],
    caps: Capabilities,
    warnings: list[str],
) -> list[Change]:
    """Creates, updates and replaces of the declared repositories."""
    changes: list[Change] = []
    for name in sorted(wanted):
        repo = wanted[name]
        if len(patterns_for(name, reg)) > 1 and name not in reg.repositories:
            which = ", ".join(p.pattern for p in patterns_for(name, reg))
            warnings.append(
                f"{reg.name}/{name} matches several pattern entries ({which}); the first applies"
            )
        unsupported = sorted(repo.managed - caps.fields)
        if unsupported:
            warnings.append(
                f"{reg.name}/{name}: {', '.join(unsupported)} not supported by {reg.provider}; "
                "ignored"
            )
        if name not in found:
            if caps.can_create:
                changes.append(_create(repo, reg, caps))
            else:
                warnings.append(
                    f"{reg.name}/{name} does not exist and {reg.provider} cannot create "
                    "repositories (it appears on first push)"
                )
            continue
        change = _update_or_replace(repo, found[name], reg, caps, warnings)
        if change is not None:
            changes.append(change)
    return changes


def _undeclared(
    reg: RegistryConfig,
    undeclared: Mapping[str, Repository],
    caps: Capabilities,
    warnings: list[str],
) -> tuple[list[Change], list[Unmanaged]]:
    """Deletes of the repositories nobody declares that regform owns; the others, unmanaged."""
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for name in sorted(undeclared):
        repo = undeclared[name]
        if not in_scope(name, reg):
            scope = ", ".join(reg.scope)
            unmanaged.append(Unmanaged(reg.name, name, False, f"outside scope {scope}"))
            continue
        reason = _unmanaged_reason(repo, reg, caps)
        if reason is None:
            changes.append(_delete(repo, reg, warnings))
        else:
            unmanaged.append(Unmanaged(reg.name, name, True, reason))
    return changes, unmanaged


def plan_registry(
    reg: RegistryConfig,
    actual: RegistryState,
    caps: Capabilities,
    *,
    desired: Mapping[str, Repository] | None = None,
    targets: Sequence[str] | None = None,
    images: Mapping[str, Sequence[Image]] | None = None,
    now: datetime | None = None,
) -> RegistryPlan:
    """Plan one registry. ``desired`` defaults to the config's repositories (pass the provider's
    normalized ones when it has resolved names, e.g. KMS aliases). ``images`` holds the images
    of :func:`enforced_repositories`, read at ``now``, on registries without native lifecycle."""
    wanted = {
        n: r
        for n, r in (desired if desired is not None else reg.repositories).items()
        if in_targets(n, targets)
    }
    found = {n: r for n, r in actual.repositories.items() if in_targets(n, targets)}
    wanted = {**pattern_repositories(reg, found, wanted), **wanted}
    warnings: list[str] = []
    changes = _declared_changes(reg, wanted, found, caps, warnings)
    deletes, unmanaged = _undeclared(
        reg, {n: found[n] for n in found.keys() - wanted.keys()}, caps, warnings
    )
    changes.extend(deletes)
    changes.extend(_settings_changes(reg, actual, caps))
    if images:
        enforced = {n: i for n, i in images.items() if n in wanted}
        changes.extend(
            _enforcement(reg, wanted, enforced, now or datetime.now(UTC), caps, warnings)
        )
    changes = sort_changes(changes)
    touched = {f.path.split(".")[0] for c in changes if c.kind == REPOSITORY for f in c.fields}
    warnings.extend(
        f"{reg.name}: {message}" for fld, message in caps.deprecated.items() if fld in touched
    )
    owned = sum(1 for n in found if in_scope(n, reg) or n in wanted)
    guards = registry_guards(reg, changes, owned, caps)
    return RegistryPlan(
        changes=tuple(changes),
        unmanaged=tuple(unmanaged),
        guards=tuple(guards),
        warnings=tuple(warnings),
    )


def sort_changes(changes: Iterable[Change]) -> list[Change]:
    """Registry, then action order (create, update, replace, delete), repositories first, name."""
    order = {a: i for i, a in enumerate(ACTION_ORDER)}
    return sorted(
        changes, key=lambda c: (c.registry, order[c.action], c.kind != REPOSITORY, c.kind, c.name)
    )


# Checksums ----------------------------------------------------------------------------------


def _comparable_setting(kind: str, value: Any) -> Any:
    return normalize_setting(kind, value) if kind in SETTING_KINDS else value


def state_checksum(
    actual: RegistryState,
    reg: RegistryConfig,
    *,
    targets: Sequence[str] | None = None,
    images: Mapping[str, Sequence[Image]] | None = None,
) -> str:
    """sha256 of what was read and matters to the plan: declared and in-scope repositories
    (ignored tags left out), the settings read, and the images read for lifecycle enforcement.
    Repositories outside scope do not count."""
    repos: dict[str, Any] = {}
    for name, repo in actual.repositories.items():
        if not in_targets(name, targets):
            continue
        declared = declared_repository(name, reg)
        if declared is None and not in_scope(name, reg):
            continue
        ignore: Collection[str] = declared.ignore_tags if declared is not None else ()
        repos[name] = {
            f: normalize_field(f, repo.value(f), ignore_tags=ignore) for f in sorted(repo.loaded)
        }
    settings = {k: _comparable_setting(k, v) for k, v in actual.settings.items()}
    state: dict[str, Any] = {"repositories": repos, "settings": settings}
    if images:
        state["images"] = images_checksum(images)
    return checksum(state)


def combine(
    plans: Mapping[str, RegistryPlan],
    *,
    registries: Mapping[str, str],
    config_checksum: str = "",
    state_checksums: Mapping[str, str] | None = None,
    api_calls: Mapping[str, int] | None = None,
    regform_version: str = "",
    created_at: str = "",
    targets: Sequence[str] = (),
) -> Plan:
    """One :class:`Plan` from the per-registry plans."""
    names = sorted(plans)
    return Plan(
        changes=tuple(sort_changes(c for n in names for c in plans[n].changes)),
        unmanaged=tuple(u for n in names for u in plans[n].unmanaged),
        guards=tuple(g for n in names for g in plans[n].guards),
        warnings=tuple(w for n in names for w in plans[n].warnings),
        registries=dict(registries),
        config_checksum=config_checksum,
        state_checksums=dict(state_checksums or {}),
        api_calls=dict(api_calls or {}),
        regform_version=regform_version,
        created_at=created_at,
        targets=tuple(targets),
    )
