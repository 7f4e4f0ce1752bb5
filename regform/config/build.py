"""The desired model: every registry with its repositories fully resolved, and its checksum."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.config.merge import Item, Merged
from regform.config.repositories import NONE, OWNERSHIP_TAG, Resolved, effective, setting_fields
from regform.documents.normalize import streamed_checksum
from regform.model import JsonDict
from regform.providers import KINDS


def _location(item: Item) -> m.Location:
    mark = item.doc.mark(item.path)
    return m.Location(item.doc.file, mark.line if mark else None, mark.column if mark else None)


_SHARED: dict[frozenset[str], frozenset[str]] = {}


def _shared(names: frozenset[str]) -> frozenset[str]:
    """One object for each distinct set (50,000 repositories share a handful of them)."""
    return _SHARED.setdefault(names, names)


def _repository(
    name: str,
    settings: Mapping[str, Any],
    reg: Mapping[str, Any],
    own: Mapping[str, Any],
    lifecycles: Mapping[str, JsonDict],
    policies: Mapping[str, JsonDict],
    readable: frozenset[str],
) -> m.Repository:
    provider = reg["provider"]
    fields = setting_fields(provider)
    # ignore_tags alone does not manage tags (that would remove every other tag).
    managed = {fields[k] for k in settings if k != "ignore_tags"}
    if m.MUTABILITY in managed:
        managed.add(m.MUTABILITY_EXCLUSIONS)
    tags = dict(settings.get("tags", {}))
    if reg.get("ownership") == "tag":
        tags[OWNERSHIP_TAG[0]] = OWNERSHIP_TAG[1]
        managed.add(m.TAGS)
    lifecycle = settings.get("lifecycle")
    policy = settings.get("policy")
    enc = settings.get("encryption")
    lifecycle_doc = lifecycles[lifecycle] if lifecycle and lifecycle != NONE else None
    lifecycle_readable = lifecycle_doc is not None and lifecycle in readable
    extra: dict[str, Any] = {}
    keys = KINDS[provider].repository_keys
    if keys is not None and keys.build is not None:
        extra, own_doc = keys.build(settings, lifecycles)
        if own_doc is not None:
            lifecycle_doc, lifecycle_readable = own_doc, False
    words = keys.words(settings, lifecycles) if keys is not None and keys.words else {}
    return m.Repository(
        name=name,
        image_tag_mutability=settings.get("image_tag_mutability", m.DEFAULT_MUTABILITY),
        image_tag_mutability_exclusions=tuple(settings.get("image_tag_mutability_exclusions", ())),
        scan_on_push=bool(settings.get("scan_on_push", False)),
        encryption=m.Encryption.from_dict(enc) if enc else m.Encryption(),
        tags=tags,
        lifecycle_policy=lifecycle_doc,
        repository_policy=policies[policy] if policy and policy != NONE else None,
        managed=_shared(frozenset(managed)),
        ignore_tags=_shared(frozenset(settings.get("ignore_tags", ()))),
        force_delete=bool(own.get("force_delete", reg.get("force_delete", False))),
        lifecycle_name=lifecycle if lifecycle != NONE else None,
        lifecycle_readable=lifecycle_readable,
        policy_name=policy if policy != NONE else None,
        extra=extra,
        declared_words=words,
    )


def _setting_locations(item: Item, kinds: Mapping[str, Any]) -> dict[str, m.Location]:
    out: dict[str, m.Location] = {}
    for kind in sorted(kinds):
        mark = item.doc.mark((*item.path, "settings", kind), key=True)
        line, column = (mark.line, mark.column) if mark else (None, None)
        out[f"settings.{kind}"] = m.Location(item.doc.file, line, column)
    return out


def _registry(
    name: str,
    reg: Mapping[str, Any],
    connection: Mapping[str, Any],
    repos: Mapping[str, m.Repository],
    patterns: list[m.RepositoryPattern],
    settings: Mapping[str, Any],
    locations: Mapping[str, m.Location],
) -> m.RegistryConfig:
    """One declared registry of the desired model."""
    safety = reg.get("safety", {})
    return m.RegistryConfig(
        name=name,
        provider=reg["provider"],
        connection=dict(connection),
        scope=tuple(reg.get("scope", ("*",))),
        prune=bool(reg.get("prune", False)),
        ownership=reg.get("ownership", "scope"),
        ownership_tag=OWNERSHIP_TAG,
        safety=m.SafetySettings(
            max_change_percent=float(safety.get("max_change_percent", 30.0)),
            min_repositories=int(safety.get("min_repositories", 10)),
        ),
        repositories={k: repos[k] for k in sorted(repos)},
        patterns=tuple(patterns),
        settings=dict(settings),
        locations=dict(locations),
        cache_suffix=reg.get("cache_suffix", "/cache"),
        force_delete=bool(reg.get("force_delete", False)),
    )


def build_config(
    merged: Merged,
    resolved: list[Resolved],
    lifecycles: Mapping[str, JsonDict],
    policies: Mapping[str, JsonDict],
    registry_settings: Mapping[str, JsonDict],
) -> m.Config:
    repos: dict[str, dict[str, m.Repository]] = {name: {} for name in merged.registries}
    locations: dict[str, dict[str, m.Location]] = {name: {} for name in merged.registries}
    patterns: dict[str, list[m.RepositoryPattern]] = {name: [] for name in merged.registries}
    # Lifecycle definitions written as readable rules (not ``ecr_json``): shown so in plans.
    readable = frozenset(
        k for k, v in merged.lifecycle_policies.items() if isinstance(v.value, list)
    )
    for entry in resolved:
        reg = merged.registries[entry.registry].value
        settings = effective(entry.item, merged.defaults, reg["provider"])
        if entry.pattern is not None:
            template = _repository(
                entry.pattern, settings, reg, entry.item.value, lifecycles, policies, readable
            )
            cache = entry.item.value.get("cache") is True
            patterns[entry.registry].append(m.RepositoryPattern(entry.pattern, template, cache))
            locations[entry.registry]["pattern:" + entry.pattern] = _location(entry.item)
            continue
        for name, _sub in entry.names:
            repos[entry.registry][name] = _repository(
                name, settings, reg, entry.item.value, lifecycles, policies, readable
            )
            locations[entry.registry][name] = _location(entry.item)
    registries: dict[str, m.RegistryConfig] = {}
    credentials_only: dict[str, m.RegistryConfig] = {}
    for name in sorted(merged.registries):
        reg = merged.registries[name].value
        provider = reg["provider"]
        connection = KINDS[provider].connection(reg)
        if KINDS[provider].capabilities.credentials_only:
            credentials_only[name] = m.RegistryConfig(name, provider, connection)
            continue
        settings = registry_settings.get(name, {})
        where = {
            **{k: locations[name][k] for k in sorted(locations[name])},
            **_setting_locations(merged.registries[name], settings),
        }
        registries[name] = _registry(
            name, reg, connection, repos[name], patterns[name], settings, where
        )
    return m.Config(
        registries=registries,
        files=tuple(merged.files),
        checksum=desired_checksum(registries),
        credentials_only=credentials_only,
        lifecycle_policies=_definitions(merged.lifecycle_policies, lifecycles),
        repository_policies=_definitions(merged.repository_policies, policies),
    )


def _definitions(
    items: Mapping[str, Item], documents: Mapping[str, JsonDict]
) -> dict[str, m.Definition]:
    return {name: m.Definition(doc, items[name].value) for name, doc in documents.items()}


def canonical(registries: Mapping[str, m.RegistryConfig]) -> JsonDict:
    """The desired model as plain data (no file names or positions)."""
    return {
        name: {
            "provider": reg.provider,
            "connection": dict(reg.connection),
            "scope": list(reg.scope),
            "prune": reg.prune,
            "ownership": reg.ownership,
            "ownership_tag": list(reg.ownership_tag),
            "safety": {
                "max_change_percent": reg.safety.max_change_percent,
                "min_repositories": reg.safety.min_repositories,
            },
            "cache_suffix": reg.cache_suffix,
            "force_delete": reg.force_delete,
            "settings": dict(reg.settings),
            "repositories": {r: repo.to_dict() for r, repo in reg.repositories.items()},
            "patterns": [p.to_dict() for p in reg.patterns],
        }
        for name, reg in registries.items()
    }


def desired_checksum(registries: Mapping[str, m.RegistryConfig]) -> str:
    """sha256 of the desired model (what a saved plan is checked against)."""
    return streamed_checksum(canonical(registries))
