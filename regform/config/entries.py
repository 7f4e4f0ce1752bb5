"""Checks that need a repository entry's registry: names, scope, duplicates, provider support.

A pattern entry (``pattern: "apps/*"``) has no names: its glob must be valid, hold a wildcard,
and match some name inside the registry's scope; one glob is declared once per registry.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from regform.config.merge import Item, Merged
from regform.config.names import BraceError, expand_braces, glob_problem
from regform.config.repositories import (
    ALL_SETTING_KEYS,
    MAX_TAGS,
    OWNERSHIP_TAG,
    Resolved,
    check_settings,
    effective,
    name_problem,
    registry_of,
    setting_fields,
)
from regform.config.source import DataPath
from regform.errors import ConfigIssue
from regform.model import MUTABILITY, matches_any
from regform.providers import CAPABILITIES, KINDS

EXCLUSIONS = "image_tag_mutability_exclusions"


def _exclusion_issues(
    item: Item, settings: dict[str, Any], own: dict[str, Any]
) -> list[ConfigIssue]:
    mode = settings.get(MUTABILITY)
    excl = own[EXCLUSIONS] if EXCLUSIONS in own else settings.get(EXCLUSIONS)
    with_exclusion = isinstance(mode, str) and mode.endswith("_WITH_EXCLUSION")
    if with_exclusion and not excl and MUTABILITY in own:
        return [item.issue((MUTABILITY,), f"{mode} needs image_tag_mutability_exclusions")]
    if excl and not with_exclusion and EXCLUSIONS in own:
        return [
            item.issue(
                (EXCLUSIONS,),
                "image_tag_mutability_exclusions needs image_tag_mutability "
                "MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION",
                key=True,
            )
        ]
    return []


def check_entries(merged: Merged, issues: list[ConfigIssue]) -> list[Resolved]:
    defaults = merged.defaults
    if defaults is not None and isinstance(defaults.value, dict):
        issues += check_settings(defaults, merged)
        issues += _exclusion_issues(defaults, defaults.value, defaults.value)
    seen: dict[tuple[str, str], tuple[Item, DataPath]] = {}
    resolved: list[Resolved] = []
    for item in merged.repositories:
        if not isinstance(item.value, dict):
            continue
        issues += check_settings(item, merged)
        registry = registry_of(item, merged)
        if registry is None:
            if merged.complete:
                why = (
                    "set registry here or in defaults"
                    if merged.registries
                    else "no registries are declared"
                )
                issues.append(item.issue((), f"which registry? {why}"))
            continue
        reg_item = merged.registries.get(registry)
        provider = reg_item.get("provider") if reg_item else None
        if reg_item is None or not isinstance(provider, str) or provider not in CAPABILITIES:
            continue
        if CAPABILITIES[provider].credentials_only:
            issue = _credentials_only_issue(item, merged, registry, provider)
            if issue not in issues:
                issues.append(issue)
            continue
        entry = _check_entry(item, registry, reg_item, provider, merged, issues)
        if entry.pattern is not None:
            first = seen.get((registry, "pattern:" + entry.pattern))
            if first is not None:
                issues.append(
                    item.issue(
                        ("pattern",),
                        f"pattern '{entry.pattern}' (registry '{registry}') is declared twice: "
                        f"{first[0].where(first[1])} and {item.where(('pattern',))}",
                    )
                )
                continue
            seen[(registry, "pattern:" + entry.pattern)] = (item, ("pattern",))
        for name, sub in entry.names:
            first = seen.get((registry, name))
            if first is None:
                seen[(registry, name)] = (item, sub)
                continue
            issues.append(
                item.issue(
                    sub,
                    f"repository '{name}' (registry '{registry}') is declared twice: "
                    f"{first[0].where(first[1])} and {item.where(sub)}",
                )
            )
        resolved.append(entry)
    return resolved


def _credentials_only_issue(
    item: Item, merged: Merged, registry: str, provider: str
) -> ConfigIssue:
    message = (
        f"registry '{registry}' is provider {provider}, which holds credentials only: "
        "repositories cannot be declared on it"
    )
    if "registry" in item.value:
        return item.issue(("registry",), message)
    defaults = merged.defaults
    if defaults is not None and defaults.get("registry") == registry:
        return defaults.issue(("registry",), message)
    return item.issue((), message)


def _check_entry(
    item: Item,
    registry: str,
    reg_item: Item,
    provider: str,
    merged: Merged,
    issues: list[ConfigIssue],
) -> Resolved:
    own: dict[str, Any] = item.value
    supported = CAPABILITIES[provider].fields
    for key in own:
        if key in ALL_SETTING_KEYS and setting_fields(provider).get(key) not in supported:
            issues.append(
                item.issue(
                    (key,),
                    f"'{key}' is not supported by provider {provider} (registry '{registry}')",
                    key=True,
                )
            )
    settings = effective(item, merged.defaults, provider)
    _provider_checks(item, settings, provider, merged, issues)
    issues += _exclusion_issues(item, settings, own)
    tags = dict(settings.get("tags", {}))
    if reg_item.get("ownership") == "tag":
        key, value = OWNERSHIP_TAG
        if tags.get(key, value) != value:
            issues.append(
                item.issue(
                    ("tags", key), f"with ownership: tag, regform sets {key}={value}", key=True
                )
            )
        tags[key] = value
    own_tags = item.get("tags")
    if len(tags) > MAX_TAGS and isinstance(own_tags, dict) and len(own_tags) <= MAX_TAGS:
        issues.append(
            item.issue(("tags",), f"{len(tags)} tags with the defaults; ECR allows {MAX_TAGS}")
        )
    entry = Resolved(item, registry, _names(item, own, issues))
    if isinstance(own.get("pattern"), str) and item.ok("pattern"):
        entry.pattern = own["pattern"]
        _check_pattern(entry, reg_item, issues)
        return entry
    _check_names(entry, provider, issues)
    if own.get("cache") is True and item.ok("cache"):
        suffix = reg_item.get("cache_suffix") or "/cache"
        for name, _sub in list(entry.names):
            companion = name + suffix
            problem = name_problem(provider, companion)
            if problem:
                issues.append(item.issue(("cache",), f"cache repository '{companion}' {problem}"))
            else:
                entry.names.append((companion, ("cache",)))
    _check_scope(entry, reg_item, issues)
    return entry


def _provider_checks(
    item: Item, settings: dict[str, Any], provider: str, merged: Merged, issues: list[ConfigIssue]
) -> None:
    """The provider's own checks of an entry (``RepositoryKeys.check_entry``)."""
    keys = KINDS[provider].repository_keys
    if keys is not None and keys.check_entry is not None:
        keys.check_entry(item, settings, merged, issues)


def _check_names(entry: Resolved, provider: str, issues: list[ConfigIssue]) -> None:
    """Drop from ``entry`` the names the registry would reject, with an issue for each."""
    item, own = entry.item, entry.item.value
    failed: set[DataPath] = set()
    for name, sub in entry.names:
        problem = name_problem(provider, name) if sub not in failed else None
        if problem is None:
            continue
        failed.add(sub)
        source = own["name"] if sub == ("name",) else own["names"][sub[1]]
        origin = "" if source == name else f" (from '{source}')"
        hint = " (brace patterns go in names:)" if sub == ("name",) and _is_pattern(name) else ""
        issues.append(item.issue(sub, f"repository name '{name}'{origin} {problem}{hint}"))
    entry.names = [(n, s) for n, s in entry.names if s not in failed]


def _is_pattern(name: str) -> bool:
    try:
        return len(expand_braces(name)) > 1
    except BraceError:
        return False


def _names(
    item: Item, own: dict[str, Any], issues: list[ConfigIssue]
) -> list[tuple[str, DataPath]]:
    if isinstance(own.get("name"), str) and item.ok("name"):
        return [(own["name"], ("name",))]
    out: list[tuple[str, DataPath]] = []
    if not (isinstance(own.get("names"), list) and item.ok("names")):
        return out
    for i, pattern in enumerate(own["names"]):
        try:
            expanded = expand_braces(pattern)
        except BraceError as exc:
            issues.append(item.issue(("names", i), f"name pattern '{pattern}': {exc}"))
            continue
        out.extend((name, ("names", i)) for name in expanded)
    return out


def _check_scope(entry: Resolved, reg_item: Item, issues: list[ConfigIssue]) -> None:
    scope = reg_item.get("scope") or ["*"]
    outside: dict[DataPath, list[str]] = {}
    for name, sub in entry.names:
        if not matches_any(name, scope):
            outside.setdefault(sub, []).append(name)
    for sub, names in outside.items():
        more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
        issues.append(
            entry.item.issue(
                sub,
                f"repository '{names[0]}'{more} is outside the scope of registry "
                f"'{entry.registry}' ({', '.join(scope)})",
            )
        )


def _sample(glob: str) -> str:
    """One name a glob matches (each wildcard replaced by a plain character)."""
    return (
        re.sub(r"\[!?([^\]]*)\]", lambda m: (m.group(1) or "x")[0], glob)
        .replace("*", "x")
        .replace("?", "x")
    )


def _check_pattern(entry: Resolved, reg_item: Item, issues: list[ConfigIssue]) -> None:
    pattern = entry.pattern or ""
    where = ("pattern",)
    problem = glob_problem(pattern)
    if problem:
        issues.append(entry.item.issue(where, f"pattern '{pattern}' {problem}"))
        return
    if not any(c in pattern for c in "*?["):
        issues.append(
            entry.item.issue(
                where,
                f"pattern '{pattern}' has no wildcard (* ? [...]); declare one repository "
                "with name:",
            )
        )
        return
    scope = reg_item.get("scope") or ["*"]
    overlaps = matches_any(_sample(pattern), scope) or any(
        fnmatchcase(_sample(s), pattern) for s in scope
    )
    if not overlaps:
        issues.append(
            entry.item.issue(
                where,
                f"pattern '{pattern}' matches no name inside the scope of registry "
                f"'{entry.registry}' ({', '.join(scope)})",
            )
        )
