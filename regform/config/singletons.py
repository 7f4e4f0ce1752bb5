"""Registry-level settings are singletons of one ECR account and region: declared once.

Two registries can point at the same account and region (two names for one registry, say one
per team). If both declared the same settings kind, each apply would overwrite the other's value
(what Terraform does silently when two modules declare one registry policy). Here it is a
validation error naming both places.

Two ECR registries are the same account and region when:

* both name the account (``account_id``, or the account of ``role_arn``) and the region and the
  endpoint agree; or
* neither names an account and they reach the region and endpoint with the same credentials
  (same ``profile``, or both the default credentials).

Sandbox registries are separate emulators, never the same registry.
"""

from __future__ import annotations

import re
from typing import Any

from regform.config.merge import Item, Merged
from regform.errors import ConfigIssue

_ROLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/")


def _account(reg: dict[str, Any]) -> str | None:
    account = reg.get("account_id")
    if isinstance(account, str):
        return account
    role = reg.get("role_arn")
    match = _ROLE_ACCOUNT.match(role) if isinstance(role, str) else None
    return match.group(1) if match else None


def registry_target(item: Item) -> tuple[str, ...] | None:
    """What identifies the account and region an ECR registry reaches (None: cannot tell)."""
    reg = item.value
    if not isinstance(reg, dict) or reg.get("provider") != "ecr" or reg.get("sandbox") is True:
        return None
    region = item.get("region")
    if not isinstance(region, str):
        return None
    endpoint = str(item.get("endpoint_url") or "").rstrip("/")
    account = _account(reg)
    if account is not None:
        return ("account", account, region, endpoint)
    return ("credentials", str(item.get("profile") or ""), region, endpoint)


def _describe(target: tuple[str, ...]) -> str:
    if target[0] == "account":
        return f"account {target[1]}, region {target[2]}"
    profile = f"profile {target[1]}" if target[1] else "the default credentials"
    return f"region {target[2]} with {profile}"


def check_shared_settings(merged: Merged, issues: list[ConfigIssue]) -> None:
    """One issue for each settings kind declared by two registries of one account and region."""
    first: dict[tuple[tuple[str, ...], str], tuple[str, Item]] = {}
    for name, item in merged.registries.items():  # in file order: the second one is flagged
        target = registry_target(item)
        declared = item.get("settings")
        if target is None or not isinstance(declared, dict):
            continue
        for kind in declared:
            key = (target, kind)
            if key not in first:
                first[key] = (name, item)
                continue
            other, other_item = first[key]
            path = ("settings", kind)
            issues.append(
                item.issue(
                    path,
                    f"settings.{kind} is declared twice for {_describe(target)}: by registry "
                    f"'{other}' ({other_item.where(path)}) and by registry '{name}' "
                    f"({item.where(path)}); a registry-level setting is declared once",
                    key=True,
                )
            )
