"""Import: an existing registry's state -> config that plans to zero changes. Pure: no I/O.

:func:`import_config` turns a :class:`~regform.model.RegistryState` (every repository with every
field read, and the registry settings read) into config data; :func:`to_yaml` writes it. Choices
that keep the file short and readable:

* every repository field is declared (mutability with its exclusions, scan on push, encryption,
  tags, lifecycle, policy), so that later hand changes show up as drift;
* each distinct lifecycle policy and repository policy becomes one named definition that the
  repositories reference (:mod:`regform.workflows.import_definitions`; a document equal to one
  of the config's definitions keeps its name; the config's ``prune`` is kept too);
* lifecycle policies are written as readable rules where the JSON maps to them one to one
  (:func:`regform.lifecycle.decompile`), as ``ecr_json`` otherwise;
* repository policies are written as the ``allow_pull``/``allow_push`` shorthand (plus
  ``statements``) when that compiles to exactly the policy found, as ``document`` otherwise;
* the most common value of each field goes to ``defaults`` when at least two repositories share
  it (tags: the key/value pairs every repository carries, possibly none); repositories with the
  same remaining settings share one entry (``names:``);
* registry settings are included when they are not the registry's defaults (a registry policy,
  scanning other than BASIC without rules, replication rules, pull-through cache rules, creation
  templates). Account settings are not imported: every account has values for them; declare the
  ones to pin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from regform import lifecycle
from regform import model as m
from regform.documents import policy
from regform.documents.normalize import (
    canonical_json,
    normalize_iam_policy,
    normalize_lifecycle_policy,
)
from regform.model import JsonDict, RegistryState, Repository, matches_any
from regform.providers import KINDS
from regform.registry_settings import (
    CREATION_TEMPLATES,
    PULL_THROUGH_CACHE_RULES,
    REGISTRY_POLICY,
    REPLICATION,
    SCANNING,
    canonical_setting,
)
from regform.workflows.import_definitions import (
    definitions,
    lifecycle_definition,
    policy_definition,
)

NONE = "none"
#: the setting kinds an import writes (account settings are left out, see the module doc).
IMPORTED_SETTINGS: tuple[str, ...] = (
    REGISTRY_POLICY,
    SCANNING,
    REPLICATION,
    PULL_THROUGH_CACHE_RULES,
    CREATION_TEMPLATES,
)
_FIELDS = ("mutability", "scan_on_push", "encryption", "lifecycle", "policy")


@dataclass(frozen=True, slots=True)
class ImportSource:
    """The registry being imported, as the config will declare it."""

    name: str
    provider: str = "ecr"
    #: connection keys written as they are (region, account_id, profile, endpoint_url...)
    connection: Mapping[str, Any] = field(default_factory=dict)
    scope: tuple[str, ...] = ("*",)
    #: the config's ``prune``, written as it is
    prune: bool = False
    #: the config's definitions: a document found equal to one is referenced by its name
    lifecycle_policies: Mapping[str, m.Definition] = field(default_factory=dict)
    repository_policies: Mapping[str, m.Definition] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImportResult:
    data: JsonDict
    #: repositories imported
    repositories: tuple[str, ...] = ()
    #: what the user should look at before using the config
    warnings: tuple[str, ...] = ()


# Repository settings ------------------------------------------------------------------------


def _encryption(enc: m.Encryption) -> JsonDict:
    out: JsonDict = {"type": enc.type}
    if enc.type != "AES256" and enc.kms_key:
        out["kms_key"] = enc.kms_key
    return out


def _settings(
    repo: Repository, lifecycles: Mapping[str, str], policies: Mapping[str, str]
) -> JsonDict:
    """Every field of a repository as config values (keyed by _FIELDS, plus tags)."""
    mode = repo.image_tag_mutability
    mutability: JsonDict = {"image_tag_mutability": mode}
    if mode.endswith("_WITH_EXCLUSION"):
        mutability["image_tag_mutability_exclusions"] = list(repo.image_tag_mutability_exclusions)
    life = repo.lifecycle_policy
    pol = repo.repository_policy
    return {
        "mutability": mutability,
        "scan_on_push": {"scan_on_push": repo.scan_on_push},
        "encryption": {"encryption": _encryption(repo.encryption)},
        "lifecycle": {
            "lifecycle": NONE
            if life is None
            else lifecycles[canonical_json(normalize_lifecycle_policy(life))]
        },
        "policy": {
            "policy": NONE if pol is None else policies[canonical_json(normalize_iam_policy(pol))]
        },
        "tags": dict(sorted(repo.tags.items())),
    }


def _groups(all_settings: Sequence[JsonDict]) -> list[str]:
    """The field groups of the settings (``_FIELDS``, or a provider's own), tags apart."""
    return [k for k in (all_settings[0] if all_settings else {}) if k != "tags"]


def _defaults(all_settings: Sequence[JsonDict]) -> JsonDict:
    """The most common value of each field, when at least two repositories share it."""
    defaults: JsonDict = {}
    for key in _groups(all_settings):
        counts = Counter(canonical_json(s[key]) for s in all_settings)
        text, n = counts.most_common(1)[0] if counts else ("", 0)
        if n >= 2:
            defaults[key] = next(s[key] for s in all_settings if canonical_json(s[key]) == text)
    if len(all_settings) >= 2 and "tags" in all_settings[0]:
        # tags: {} still manages them (a tag added by hand is drift)
        common = set(all_settings[0]["tags"].items())
        for s in all_settings[1:]:
            common &= set(s["tags"].items())
        defaults["tags"] = dict(sorted(common))
    return defaults


def _entry_settings(settings: JsonDict, defaults: JsonDict) -> JsonDict:
    out: JsonDict = {}
    for key in _groups([settings]):
        if key not in defaults or canonical_json(defaults[key]) != canonical_json(settings[key]):
            out.update(settings[key])
    if "tags" not in settings:
        return out
    shared = defaults.get("tags", {})
    own = {k: v for k, v in settings["tags"].items() if shared.get(k) != v}
    if own or "tags" not in defaults:
        out["tags"] = own
    return out


def _entries(
    names: Sequence[str], settings: Sequence[JsonDict], defaults: JsonDict
) -> list[JsonDict]:
    groups: dict[str, tuple[list[str], JsonDict]] = {}
    for name, s in zip(names, settings, strict=True):
        own = _entry_settings(s, defaults)
        groups.setdefault(canonical_json(own), ([], own))[0].append(name)
    entries: list[JsonDict] = []
    for members, own in sorted(groups.values(), key=lambda g: g[0][0]):
        head: JsonDict = {"name": members[0]} if len(members) == 1 else {"names": members}
        entries.append({**head, **own})
    return entries


# Registry settings --------------------------------------------------------------------------


def _drop_empty(value: Mapping[str, Any]) -> JsonDict:
    return {k: v for k, v in value.items() if v not in (None, [], {}, "")}


def registry_settings(found: Mapping[str, Any]) -> JsonDict:
    """The settings worth declaring (not the registry's defaults), in config form."""
    out: JsonDict = {}
    if found.get(REGISTRY_POLICY) is not None:
        out[REGISTRY_POLICY] = found[REGISTRY_POLICY]
    if SCANNING in found:
        scanning = canonical_setting(SCANNING, found[SCANNING])
        if scanning["scan_type"] != "BASIC" or scanning["rules"]:
            out[SCANNING] = scanning
    rules = (
        canonical_setting(REPLICATION, found[REPLICATION])["rules"] if REPLICATION in found else []
    )
    if rules:  # a rule without filters replicates every repository: written without them
        out[REPLICATION] = {
            "rules": [{k: v for k, v in r.items() if k != "filters" or v} for r in rules]
        }
    for kind in (PULL_THROUGH_CACHE_RULES, CREATION_TEMPLATES):
        entries = canonical_setting(kind, found.get(kind))
        if entries:
            out[kind] = {prefix: _drop_empty(entry) for prefix, entry in entries.items()}
            if kind == PULL_THROUGH_CACHE_RULES:
                for entry in out[kind].values():
                    if entry.get("upstream_repository_prefix") == "ROOT":
                        del entry["upstream_repository_prefix"]
    return out


# The whole config ---------------------------------------------------------------------------


def _check_documents(
    lifecycles: Mapping[str, JsonDict], policies: Mapping[str, JsonDict], warnings: list[str]
) -> None:
    for name, doc in lifecycles.items():
        for problem in lifecycle.validate_policy(doc):
            warnings.append(f"lifecycle policy {name}: {problem.message}; edit it before use")
    for name, doc in policies.items():
        for issue in policy.validate_policy_document(doc):
            where = f" at {issue.path}" if issue.path else ""
            warnings.append(f"repository policy {name}{where}: {issue.message}; edit it before use")


def _registry(source: ImportSource, state: RegistryState, prefix: str | None) -> JsonDict:
    """The registry's declaration: its connection, scope and settings."""
    registry: JsonDict = {"provider": source.provider, **dict(source.connection)}
    scope = [f"{prefix}*"] if prefix else list(source.scope)
    if scope != ["*"]:
        registry["scope"] = scope
    if source.prune:
        registry["prune"] = True
    settings = registry_settings(state.settings)
    if settings:
        registry["settings"] = settings
    return registry


def import_config(
    source: ImportSource, state: RegistryState, *, prefix: str | None = None
) -> ImportResult:
    """Config data declaring ``state`` (repositories under ``prefix`` inside the scope)."""
    repos = [
        state.repositories[n]
        for n in sorted(state.repositories)
        if matches_any(n, source.scope) and (not prefix or n.startswith(prefix))
    ]
    keys = KINDS[source.provider].repository_keys
    export = keys.export if keys is not None else None
    # a provider that writes its own keys declares its documents inline, not as definitions
    named = repos if export is None else []
    life_names, life_docs, lifecycles = definitions(
        named,
        lambda r: r.lifecycle_policy,
        normalize_lifecycle_policy,
        ("lifecycle", source.lifecycle_policies, lifecycle_definition),
    )
    pol_names, pol_docs, policies = definitions(
        named,
        lambda r: r.repository_policy,
        normalize_iam_policy,
        ("policy", source.repository_policies, policy_definition),
    )
    warnings: list[str] = []
    _check_documents(life_docs, pol_docs, warnings)

    registry = _registry(source, state, prefix)
    data: JsonDict = {"version": 1, "registries": {source.name: registry}}
    if lifecycles:
        data["lifecycle_policies"] = lifecycles
    if policies:
        data["repository_policies"] = policies
    if export is not None:
        all_settings = [export(r) for r in repos]
    else:
        all_settings = [_settings(r, life_names, pol_names) for r in repos]
    defaults = _defaults(all_settings)
    if defaults:
        data["defaults"] = {
            k: v
            for key in _groups(all_settings)
            if key in defaults
            for k, v in defaults[key].items()
        }
        if "tags" in defaults:
            data["defaults"]["tags"] = defaults["tags"]
    if repos:
        data["repositories"] = _entries([r.name for r in repos], all_settings, defaults)
    return ImportResult(data, tuple(r.name for r in repos), tuple(warnings))
