"""A Harbor project as read -> the config keys that declare it (``regform import``).

Every field is written, so that a later change by hand is drift; the result builds back
(:func:`regform.providers.harbor.config.build`) to exactly the values read, so the imported
config plans to zero changes. Retention is written in Harbor's own rule kinds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.providers.harbor import rules
from regform.providers.harbor.config import UNITS
from regform.providers.harbor.fields import (
    IMMUTABLE_RULES,
    MEMBERS,
    PREVENT_VULNERABLE,
    PROXY_CACHE,
    PUBLIC,
    REUSE_SYS_CVE_ALLOWLIST,
    ROBOTS,
    STORAGE_QUOTA,
)

#: the binary units a quota is written in, largest first.
_SIZES = sorted(((u, n) for u, n in UNITS.items() if u.endswith("iB")), key=lambda un: -un[1])


def quota_text(value: int) -> int | str:
    """Bytes as the shortest exact size (10GiB), ``unlimited`` for -1, else the integer."""
    if value == -1:
        return "unlimited"
    for unit, size in _SIZES:
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return value


def _patterns(pattern: str) -> str | list[str]:
    parts = rules.split_brace(pattern)
    return parts[0] if len(parts) == 1 else parts


def _selector_keys(rule: Mapping[str, Any], *, untagged: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tags, repos = rule["tags"], rule["repositories"]
    key = "tags" if tags["decoration"] == "matches" else "exclude_tags"
    if not (key == "tags" and tags["pattern"] == "**"):
        out[key] = _patterns(tags["pattern"])
    if untagged and tags["untagged"] != (tags["decoration"] == "matches"):
        out["untagged"] = tags["untagged"]
    repo_key = "repositories" if repos["decoration"] == "repoMatches" else "exclude_repositories"
    if not (repo_key == "repositories" and repos["pattern"] == "**"):
        out[repo_key] = _patterns(repos["pattern"])
    if rule.get("disabled"):
        out["disabled"] = True
    return out


def rule_keys(rule: Mapping[str, Any]) -> dict[str, Any]:
    """One Harbor retention rule in the keys of ``retention:``."""
    key = rules.KEY_OF_TEMPLATE[rule["template"]]
    head: dict[str, Any] = {key: True if key == "always" else rule["value"]}
    return {**head, **_selector_keys(rule, untagged=True)}


def retention_keys(doc: Mapping[str, Any]) -> dict[str, Any]:
    readable = [rule_keys(rule) for rule in doc["rules"]]
    schedule = rules.ALIAS_OF_CRON.get(doc["schedule"], doc["schedule"])
    return {"schedule": schedule, "rules": readable}


_EXCLUSION = re.compile(r"^[0-9a-zA-Z._*-]{1,128}$")


def immutability_keys(found: list[dict[str, Any]]) -> dict[str, Any]:
    """``image_tag_mutability`` (+ exclusions) when the rules are exactly what it builds, else
    ``immutable_tags``."""
    if not found:
        return {"image_tag_mutability": "MUTABLE"}
    if len(found) == 1:
        tags = found[0]["tags"]
        exclusions = rules.split_brace(tags["pattern"])
        for mode in ("IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"):
            if rules.sort_rules(rules.mutability_rules(mode, exclusions)) != found:
                continue
            if mode == "IMMUTABLE":
                return {"image_tag_mutability": mode}
            if len(exclusions) <= 5 and all(_EXCLUSION.match(e) for e in exclusions):
                return {"image_tag_mutability": mode, "image_tag_mutability_exclusions": exclusions}
    return {"immutable_tags": [_selector_keys(r, untagged=False) for r in found]}


def export(repo: m.Repository) -> dict[str, dict[str, Any]]:
    """Groups of config keys for one project (see ``ProviderConfig.export``)."""
    extra = repo.extra
    life = repo.lifecycle_policy
    groups: dict[str, dict[str, Any]] = {
        PUBLIC: {"public": bool(extra.get(PUBLIC))},
        m.SCAN_ON_PUSH: {"scan_on_push": repo.scan_on_push},
        PREVENT_VULNERABLE: {"prevent_vulnerable": extra.get(PREVENT_VULNERABLE) or False},
        REUSE_SYS_CVE_ALLOWLIST: {
            "reuse_sys_cve_allowlist": bool(extra.get(REUSE_SYS_CVE_ALLOWLIST, True))
        },
        STORAGE_QUOTA: {"storage_quota": quota_text(int(extra.get(STORAGE_QUOTA, -1)))},
        "retention": {"lifecycle": "none"} if life is None else {"retention": retention_keys(life)},
        IMMUTABLE_RULES: immutability_keys(list(extra.get(IMMUTABLE_RULES) or ())),
        MEMBERS: {"members": dict(extra.get(MEMBERS) or {})},
        ROBOTS: {"robots": {n: _robot(v) for n, v in (extra.get(ROBOTS) or {}).items()}},
    }
    proxy = extra.get(PROXY_CACHE)
    groups[PROXY_CACHE] = {"proxy_cache": dict(proxy)} if proxy else {}
    return groups


def _robot(value: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"access": list(value["access"])}
    if value.get("description"):
        out["description"] = value["description"]
    if value.get("duration", -1) != -1:
        out["duration"] = value["duration"]
    return out
