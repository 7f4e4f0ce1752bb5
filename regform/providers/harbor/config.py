"""Harbor in the config language: capabilities, keys, checks and the desired values they build.

A Harbor registry's repository entries declare **projects** (Harbor's unit: settings, retention,
immutability, members and robots belong to a project; its repositories appear on first push).
Shared keys keep their meaning: ``scan_on_push`` is the project's automatic scan, ``lifecycle``
names readable lifecycle rules (mapped to Harbor retention where they mean the same, see
:func:`~regform.providers.harbor.rules.from_lifecycle`), ``image_tag_mutability`` (+ exclusions)
becomes immutable-tag rules. Harbor's own keys are in :mod:`regform.providers.harbor.schema`.

Desired values are built in the canonical forms the provider reads back
(:mod:`regform.providers.harbor.rules`), so a plan compares like with like.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from regform import model as m
from regform.providers.base import ConfigProblem, RegistryEntry
from regform.providers.harbor import doublestar, rules
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
from regform.providers.urls import url_key_problems

SETTING_FIELDS = {
    "public": PUBLIC,
    "prevent_vulnerable": PREVENT_VULNERABLE,
    "reuse_sys_cve_allowlist": REUSE_SYS_CVE_ALLOWLIST,
    "storage_quota": STORAGE_QUOTA,
    "retention": m.LIFECYCLE_POLICY,
    "immutable_tags": IMMUTABLE_RULES,
    "image_tag_mutability": IMMUTABLE_RULES,
    "image_tag_mutability_exclusions": IMMUTABLE_RULES,
    "members": MEMBERS,
    "robots": ROBOTS,
    "proxy_cache": PROXY_CACHE,
}

_PROJECT = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")  # api-facts.md "Projects"
SIZE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]i?B|B)$")
UNITS = {"B": 1, **{f"{p}B": 1000 ** (i + 1) for i, p in enumerate("KMGTP")}}
UNITS.update({f"{p}iB": 1024 ** (i + 1) for i, p in enumerate("KMGTP")})
MAX_QUOTA = 2**50  # api-facts.md "Quotas": -1 or 1..2^50
_CRON = re.compile(r"^0 (\S+ ){4}\S+$")


def name_problem(name: str) -> str | None:
    if len(name) > 255:
        return f"is {len(name)} characters long (a Harbor project name has at most 255)"
    if not _PROJECT.match(name):
        return (
            "is not a Harbor project name (lowercase letters and digits, separated by single "
            ". _ or -; no '/')"
        )
    return None


def quota_bytes(value: int | str) -> int:
    """A storage quota in bytes (-1 = unlimited) from an integer or a size such as 10GiB."""
    if isinstance(value, int):
        return value
    if value == "unlimited":
        return -1
    match = SIZE.match(value)
    if match is None:
        raise ValueError(f"not a size: {value!r}")
    return int(float(match.group(1)) * UNITS[match.group(2)])


# Checks -----------------------------------------------------------------------------------------


def check_registry(entry: RegistryEntry) -> list[ConfigProblem]:
    problems = url_key_problems(entry, "username_env and password_env")
    pair = [k for k in ("username_env", "password_env") if entry.get(k) is not None]
    if len(pair) == 1:
        missing = "password_env" if pair == ["username_env"] else "username_env"
        problems.append(((pair[0],), f"{pair[0]} needs {missing} too", True))
    if entry.get("ownership") == "tag":
        message = "ownership: tag needs tags, which Harbor projects lack"
        problems.append((("ownership",), message, False))
    return problems


def _check_patterns(
    item: Any, path: tuple[Any, ...], spec: Mapping[str, Any], out: list[Any]
) -> None:
    for key in ("tags", "exclude_tags", "repositories", "exclude_repositories"):
        value = spec.get(key)
        for i, pattern in enumerate(value if isinstance(value, list) else [value]):
            if isinstance(pattern, str) and rules.comma_outside_braces(pattern):
                where = (*path, key, i) if isinstance(value, list) else (*path, key)
                out.append(
                    item.issue(
                        where,
                        f"'{pattern}' is one literal pattern to Harbor (a comma outside braces); "
                        "give a list, or write {a,b}",
                    )
                )
        joined = value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            joined = rules.brace(value)
        why = doublestar.malformed(joined) if isinstance(joined, str) and joined else None
        if why:
            out.append(
                item.issue(
                    (*path, key),
                    f"Harbor cannot match '{joined}' ({why}): its retention run would fail; "
                    "a list of several patterns is sent as one {a,b}, which cannot hold a '/'",
                )
            )
    for a, b in (("tags", "exclude_tags"), ("repositories", "exclude_repositories")):
        if a in spec and b in spec:
            out.append(item.issue((*path, b), f"give {a} or {b}, not both", key=True))


def _check_retention(item: Any, spec: Mapping[str, Any], out: list[Any]) -> None:
    schedule = spec.get("schedule", "daily")
    if isinstance(schedule, str) and schedule not in rules.SCHEDULES and not _CRON.match(schedule):
        out.append(
            item.issue(
                ("retention", "schedule"),
                f"'{schedule}' is not hourly, daily, weekly, none or a 6-field cron whose "
                "seconds field is 0 (e.g. '0 0 3 * * *')",
            )
        )
    found = spec.get("rules") or []
    if len(found) > rules.MAX_RULES:
        out.append(
            item.issue(
                ("retention", "rules"), f"{len(found)} rules; Harbor allows {rules.MAX_RULES}"
            )
        )
    for i, rule in enumerate(found):
        if not isinstance(rule, dict):
            continue
        kinds = [k for k in rules.TEMPLATE_KEYS if k in rule]
        if len(kinds) != 1:
            out.append(
                item.issue(
                    ("retention", "rules", i),
                    "say what the rule retains with exactly one of "
                    + ", ".join(rules.TEMPLATE_KEYS),
                )
            )
        _check_patterns(item, ("retention", "rules", i), rule, out)


def _check_lifecycle(item: Any, settings: Mapping[str, Any], merged: Any, out: list[Any]) -> None:
    from regform import lifecycle

    name = settings.get("lifecycle")
    definition = merged.lifecycle_policies.get(name) if isinstance(name, str) else None
    if definition is None or not definition.ok():
        return
    value = definition.value
    try:
        doc = value["ecr_json"] if isinstance(value, dict) else lifecycle.compile_rules(value)
        rules.from_lifecycle(doc)
    except rules.Unmappable as exc:
        where = definition.where((exc.rule - 1,)) if isinstance(value, list) else definition.where()
        out.append(
            item.issue(
                ("lifecycle",) if "lifecycle" in item.value else (),
                f"lifecycle policy '{name}' does not map to Harbor retention: {exc} "
                f"(declared at {where})",
            )
        )
    except (ValueError, KeyError, TypeError):
        return  # reported where the policy is defined


def check_entry(item: Any, settings: Mapping[str, Any], merged: Any, issues: list[Any]) -> None:
    """Harbor-only checks of one project entry (settings = entry over defaults)."""
    own = item.value
    if "retention" in settings and "lifecycle" in settings:
        key = "retention" if "retention" in own else "lifecycle"
        issues.append(item.issue((key,), "give lifecycle or retention, not both", key=True))
    if "immutable_tags" in settings and "image_tag_mutability" in settings:
        key = "immutable_tags" if "immutable_tags" in own else "image_tag_mutability"
        issues.append(
            item.issue((key,), "give image_tag_mutability or immutable_tags, not both", key=True)
        )
    quota = item.get("storage_quota")
    if quota is not None and (quota_bytes(quota) == 0 or not -1 <= quota_bytes(quota) <= MAX_QUOTA):
        issues.append(
            item.issue(("storage_quota",), "a quota is -1 (unlimited) or 1 byte to 2^50 bytes")
        )
    if isinstance(item.get("retention"), dict):
        _check_retention(item, own["retention"], issues)
    for i, rule in enumerate(item.get("immutable_tags") or []):
        _check_patterns(item, ("immutable_tags", i), rule, issues)
    _check_lifecycle(item, settings, merged, issues)


# Desired values ---------------------------------------------------------------------------------


def _robots(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "description": str(robot.get("description", "")),
            "duration": int(robot.get("duration", -1)),
            "access": sorted(set(robot["access"])),
        }
        for name, robot in sorted(spec.items())
    }


def build(settings: Mapping[str, Any], lifecycles: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """The Harbor field values of one (valid) project entry and its retention document."""
    extra: dict[str, Any] = {}
    simple = {"public": PUBLIC, "reuse_sys_cve_allowlist": REUSE_SYS_CVE_ALLOWLIST}
    for key, fld in simple.items():
        if key in settings:
            extra[fld] = bool(settings[key])
    if "prevent_vulnerable" in settings:
        extra[PREVENT_VULNERABLE] = settings["prevent_vulnerable"] or False
    if "storage_quota" in settings:
        extra[STORAGE_QUOTA] = quota_bytes(settings["storage_quota"])
    if "immutable_tags" in settings:
        extra[IMMUTABLE_RULES] = rules.sort_rules(
            map(rules.immutable_rule, settings["immutable_tags"])
        )
    elif "image_tag_mutability" in settings:
        extra[IMMUTABLE_RULES] = rules.sort_rules(
            rules.mutability_rules(
                settings["image_tag_mutability"],
                settings.get("image_tag_mutability_exclusions", ()),
            )
        )
    if "members" in settings:
        members = settings["members"]
        extra[MEMBERS] = {
            k: dict(sorted(members[k].items())) for k in sorted(members) if members[k]
        }
    if "robots" in settings:
        extra[ROBOTS] = _robots(settings["robots"])
    if "proxy_cache" in settings:
        extra[PROXY_CACHE] = {"endpoint": settings["proxy_cache"]["endpoint"]}
    document: Any = None
    if "retention" in settings:
        document = rules.retention_policy(settings["retention"])
    elif settings.get("lifecycle") not in (None, "none"):
        document = rules.from_lifecycle(lifecycles[settings["lifecycle"]])
    return extra, document
