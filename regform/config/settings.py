"""Registry-level settings declared under ``registries.<name>.settings``.

Kinds: registry_policy, scanning, replication, pull_through_cache_rules, creation_templates,
account_settings (shapes in :mod:`regform.registry_settings`, which also validates them). Two config
conveniences: ``registry_policy: none`` declares "no registry policy", and a creation template
may name definitions (``lifecycle: <name>``, ``policy: <name>``) instead of carrying documents.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regform import registry_settings as st
from regform.config.merge import Item, Merged
from regform.config.source import parse_path
from regform.config.suggest import did_you_mean
from regform.errors import ConfigIssue
from regform.model import JsonDict
from regform.providers import CAPABILITIES

NONE = "none"
_TEMPLATE_REFERENCES = {
    "lifecycle": ("lifecycle_policy", "lifecycle policy"),
    "policy": ("repository_policy", "repository policy"),
}


def check_settings(
    merged: Merged,
    lifecycles: Mapping[str, JsonDict],
    policies: Mapping[str, JsonDict],
    issues: list[ConfigIssue],
) -> dict[str, JsonDict]:
    """Check every registry's settings; returns registry -> kind -> value, as the model holds it."""
    out: dict[str, JsonDict] = {}
    for name, item in merged.registries.items():
        declared = item.value.get("settings") if isinstance(item.value, dict) else None
        provider = item.get("provider")
        if not isinstance(declared, dict) or provider not in CAPABILITIES:
            continue
        supported = CAPABILITIES[provider].settings
        values: JsonDict = {}
        account = declared.get("account_settings")
        scope = account.get("REGISTRY_POLICY_SCOPE") if isinstance(account, dict) else None
        for kind, raw in declared.items():
            path = ("settings", kind)
            if kind not in st.SETTING_KINDS:
                continue  # the schema check reported it
            if not item.ok(*path):  # the schema check reported it; the valid entries remain
                if kind in supported:
                    _check_valid_entries(item, kind, raw, (lifecycles, policies, merged), issues)
                continue
            if kind not in supported:
                issues.append(
                    item.issue(path, f"'{kind}' is not supported by provider {provider}", key=True)
                )
                continue
            value = _resolve(item, kind, raw, lifecycles, policies, merged, issues)
            found = st.validate_setting(kind, value, registry_policy_scope=scope)
            for where, message in found:
                issues.append(item.issue((*path, *_setting_path(kind, where, value)), message))
            if not found:
                values[kind] = None if value is None else st.canonical_setting(kind, value)
        out[name] = values
    return out


def _check_valid_entries(
    item: Item,
    kind: str,
    raw: Any,
    context: tuple[Mapping[str, JsonDict], Mapping[str, JsonDict], Merged],
    issues: list[ConfigIssue],
) -> None:
    """The rules across fields of each entry the schema accepted, in a keyed kind some other
    entry of which it did not."""
    if kind not in st.KEYED_KINDS or not isinstance(raw, dict):
        return
    valid = {k: v for k, v in raw.items() if item.ok("settings", kind, k)}
    resolved = _resolve(item, kind, valid, *context, issues)
    for prefix, entry in resolved.items():
        for where, message in st.validate_entry(kind, str(prefix), entry):
            issues.append(item.issue(("settings", kind, *_setting_path(kind, where, raw)), message))


def _setting_path(kind: str, where: str, value: Any) -> tuple[str | int, ...]:
    """A validator path -> config path. Keyed kinds start with the prefix, which may hold '.'."""
    if kind in st.KEYED_KINDS and isinstance(value, dict):
        for prefix in sorted(map(str, value), key=len, reverse=True):
            if where == prefix:
                return (prefix,)
            if where.startswith((prefix + ".", prefix + "[")):
                return (prefix, *parse_path(where[len(prefix) :]))
    return parse_path(where)


def _resolve(
    item: Item,
    kind: str,
    raw: Any,
    lifecycles: Mapping[str, JsonDict],
    policies: Mapping[str, JsonDict],
    merged: Merged,
    issues: list[ConfigIssue],
) -> Any:
    if kind == st.REGISTRY_POLICY and raw == NONE:
        return None
    if kind != st.CREATION_TEMPLATES or not isinstance(raw, dict):
        return raw
    resolved: JsonDict = {}
    for prefix, template in raw.items():
        if not isinstance(template, dict):
            resolved[prefix] = template
            continue
        entry = dict(template)
        for key, (field, label) in _TEMPLATE_REFERENCES.items():
            if key not in entry:
                continue
            ref = entry.pop(key)
            where = ("settings", kind, prefix, key)
            if field in entry:
                issues.append(item.issue(where, f"give {key} or {field}, not both", key=True))
                continue
            defined = lifecycles if key == "lifecycle" else policies
            names = merged.lifecycle_policies if key == "lifecycle" else merged.repository_policies
            if not isinstance(ref, str):
                issues.append(item.issue(where, f"{key}: expected the name of a {label}"))
                continue
            if ref == NONE:
                continue
            if ref in defined:
                entry[field] = defined[ref]
            elif ref not in names and merged.complete:
                issues.append(
                    item.issue(where, f"unknown {label} '{ref}'" + did_you_mean(str(ref), names))
                )
        resolved[prefix] = entry
    return resolved
