"""Semantic checks of ``defaults`` and repository entries, and their resolution into names.

An entry resolves to a registry (its own, the defaults', or the only one declared) and a list of
names (``name``, or ``names`` brace-expanded, plus ``<name><cache_suffix>`` with ``cache: true``),
or, for a pattern entry, its glob.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from regform import model as m
from regform.config.merge import Item, Merged
from regform.config.source import DataPath
from regform.config.suggest import did_you_mean
from regform.errors import ConfigIssue
from regform.providers import CAPABILITIES, KINDS

#: config key -> model field it sets
SETTING_FIELDS: dict[str, str] = {
    "image_tag_mutability": m.MUTABILITY,
    "image_tag_mutability_exclusions": m.MUTABILITY_EXCLUSIONS,
    "scan_on_push": m.SCAN_ON_PUSH,
    "encryption": m.ENCRYPTION,
    "tags": m.TAGS,
    "ignore_tags": m.TAGS,
    "lifecycle": m.LIFECYCLE_POLICY,
    "policy": m.REPOSITORY_POLICY,
}


def setting_fields(provider: str) -> dict[str, str]:
    """Entry key -> field for one provider: regform's keys, then the provider's own (which may
    give a shared key a meaning of its own)."""
    kind = KINDS.get(provider)
    own = kind.repository_keys if kind is not None else None
    return {**SETTING_FIELDS, **(own.fields if own is not None else {})}


#: every key some provider accepts in a repository entry
ALL_SETTING_KEYS = frozenset(k for p in KINDS for k in setting_fields(p))
NONE = "none"
OWNERSHIP_TAG = ("managed-by", "regform")
MAX_TAGS = 50
MAX_EXCLUSIONS = 5
_EXCLUSION = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")
_KMS_KEY = re.compile(
    r"^(alias/[A-Za-z0-9:/_-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"|mrk-[0-9a-f]{32}|arn:aws(-[a-z]+)*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/[A-Za-z0-9:/_-]+)$"
)


@dataclass(slots=True)
class Resolved:
    """One repository entry, resolved."""

    item: Item
    registry: str
    #: (repository name, path of the value it came from, relative to the entry)
    names: list[tuple[str, DataPath]] = field(default_factory=list)
    #: the glob of a pattern entry (which has no names)
    pattern: str | None = None


def name_problem(provider: str, name: str) -> str | None:
    """Why the registry of ``provider`` would reject repository ``name`` (None when valid)."""
    return KINDS[provider].name_problem(name)


def _defined(names: Iterable[str]) -> str:
    listed = ", ".join(sorted(names))
    return f" (defined: {listed})" if listed else " (none are defined)"


def _check_reference(
    item: Item, key: str, defined: dict[str, Item], label: str, complete: bool
) -> list[ConfigIssue]:
    ref = item.get(key)
    if not isinstance(ref, str) or ref == NONE or ref in defined or not complete:
        return []
    hint = did_you_mean(ref, defined) or _defined(defined)
    return [item.issue((key,), f"unknown {label} '{ref}'{hint}")]


def check_settings(item: Item, merged: Merged) -> list[ConfigIssue]:
    """Checks of one settings mapping on its own (defaults, or one entry)."""
    issues: list[ConfigIssue] = []
    if not isinstance(item.value, dict):
        return issues
    if "registry" in item.value and merged.complete:
        ref = item.get("registry")
        if isinstance(ref, str) and ref not in merged.registries:
            hint = did_you_mean(ref, merged.registries) or _defined(merged.registries)
            issues.append(item.issue(("registry",), f"unknown registry '{ref}'{hint}"))
    issues += _check_reference(
        item, "lifecycle", merged.lifecycle_policies, "lifecycle policy", merged.complete
    )
    issues += _check_reference(
        item, "policy", merged.repository_policies, "repository policy", merged.complete
    )
    issues += _check_encryption(item)
    tags = item.get("tags")
    if isinstance(tags, dict):
        issues += _check_tags(item, tags)
    issues += _check_exclusions(item)
    ignored = item.get("ignore_tags")
    if isinstance(ignored, list) and isinstance(tags, dict):
        for i, key in enumerate(ignored):
            if key in tags:
                issues.append(
                    item.issue(("ignore_tags", i), f"tag '{key}' is both set in tags and ignored")
                )
    return issues


def _check_encryption(item: Item) -> list[ConfigIssue]:
    """A KMS key only with KMS encryption (without one ECR uses its AWS-managed key), in a form
    KMS knows."""
    issues: list[ConfigIssue] = []
    enc = item.get("encryption")
    if isinstance(enc, dict):
        kind, key = enc.get("type"), enc.get("kms_key")
        if kind == "AES256" and key is not None:
            issues.append(
                item.issue(
                    ("encryption", "kms_key"),
                    "kms_key is used only with type KMS or KMS_DSSE",
                    key=True,
                )
            )
        elif isinstance(key, str) and not _KMS_KEY.match(key):
            issues.append(
                item.issue(
                    ("encryption", "kms_key"),
                    f"not a KMS key alias (alias/name), key id or key ARN: '{key}'",
                )
            )
    return issues


def _check_exclusions(item: Item) -> list[ConfigIssue]:
    """1-5 exclusion filters, each one ECR accepts."""
    issues: list[ConfigIssue] = []
    exclusions = item.get("image_tag_mutability_exclusions")
    if isinstance(exclusions, list):
        if not exclusions or len(exclusions) > MAX_EXCLUSIONS:
            issues.append(
                item.issue(
                    ("image_tag_mutability_exclusions",),
                    f"give 1-{MAX_EXCLUSIONS} exclusion filters (got {len(exclusions)})",
                )
            )
        for i, flt in enumerate(exclusions):
            if not _EXCLUSION.match(flt):
                issues.append(
                    item.issue(
                        ("image_tag_mutability_exclusions", i),
                        "an exclusion filter is 1-128 of 0-9 a-z A-Z . _ - and the wildcard *; "
                        f"got '{flt}'",
                    )
                )
    return issues


def _check_tags(item: Item, tags: dict[str, str]) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    if len(tags) > MAX_TAGS:
        issues.append(
            item.issue(("tags",), f"{len(tags)} tags; ECR allows {MAX_TAGS} per repository")
        )
    for key, value in tags.items():
        where = ("tags", key)
        if key.lower().startswith("aws:"):
            issues.append(
                item.issue(where, f"tag key '{key}': the aws: prefix is reserved by AWS", key=True)
            )
        if not key or len(key) > 128:
            issues.append(
                item.issue(
                    where, f"a tag key is 1-128 characters (this one has {len(key)})", key=True
                )
            )
        if len(value) > 256:
            issues.append(
                item.issue(
                    where, f"a tag value is at most 256 characters (this one has {len(value)})"
                )
            )
    return issues


def registry_of(item: Item, merged: Merged) -> str | None:
    """The registry an entry belongs to, or None when it cannot be told."""
    own = item.get("registry")
    if isinstance(own, str):
        return own
    default = merged.defaults.get("registry") if merged.defaults else None
    if isinstance(default, str):
        return default
    holders = [n for n, reg in merged.registries.items() if not _credentials_only(reg)]
    if len(holders) == 1:
        return holders[0]
    if not holders and len(merged.registries) == 1:
        return next(iter(merged.registries))
    return None


def _drop_alternatives(out: dict[str, Any], own: dict[str, Any], provider: str) -> None:
    """A key the entry sets itself overrides the defaults' other keys of its group."""
    keys = KINDS[provider].repository_keys
    for group in keys.alternatives if keys is not None else ():
        if any(k in own for k in group):
            for k in group:
                out.pop(k, None)


def _own_settings(item: Item | None, fields: Mapping[str, str]) -> dict[str, Any]:
    """The settings keys of a mapping that passed the schema (others are reported already)."""
    if item is None or not isinstance(item.value, dict):
        return {}
    return {k: v for k, v in item.value.items() if k in fields and item.ok(k)}


def _credentials_only(reg: Item) -> bool:
    caps = CAPABILITIES.get(str(reg.get("provider")))
    return caps is not None and caps.credentials_only


def effective(item: Item, defaults: Item | None, provider: str) -> dict[str, Any]:
    """Settings of an entry: the defaults the provider can apply, overridden by the entry's own.

    Total: a value the schema rejected is left out, whatever its type."""
    supported = CAPABILITIES[provider].fields
    fields = setting_fields(provider)
    out = {k: v for k, v in _own_settings(defaults, fields).items() if fields[k] in supported}
    own = _own_settings(item, fields)
    tags = {**out.get("tags", {}), **own.get("tags", {})}
    ignored = sorted({*out.get("ignore_tags", ()), *own.get("ignore_tags", ())})
    _drop_alternatives(out, own, provider)
    out.update(own)
    mode = own.get("image_tag_mutability")
    if isinstance(mode, str) and not mode.endswith("_WITH_EXCLUSION"):
        out.pop("image_tag_mutability_exclusions", None)
    if "tags" in out:
        out["tags"] = tags
    if ignored:
        out["ignore_tags"] = ignored
    return out
