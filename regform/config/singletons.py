"""Registry-level settings are singletons of one settings store: declared once.

Two registries can point at the same store (for ECR: one account and region; two names for one
registry, say one per team). If both declared the same settings kind, each apply would overwrite the
other's value (what Terraform does silently when two modules declare one registry policy). Here it
is a validation error naming both places. Which entries share a store is the provider's to say
(:attr:`~regform.providers.base.ProviderKind.settings_store`).
"""

from __future__ import annotations

from regform.config.merge import Item, Merged
from regform.errors import ConfigIssue
from regform.providers import KINDS


def _store(item: Item) -> tuple[tuple[str, ...], str] | None:
    kind = KINDS.get(item.get("provider")) if isinstance(item.value, dict) else None
    return kind.settings_store(item) if kind is not None else None


def check_shared_settings(merged: Merged, issues: list[ConfigIssue]) -> None:
    """One issue for each settings kind declared by two registries of one account and region."""
    first: dict[tuple[tuple[str, ...], str], tuple[str, Item]] = {}
    for name, item in merged.registries.items():  # in file order: the second one is flagged
        store = _store(item)
        declared = item.get("settings")
        if store is None or not isinstance(declared, dict):
            continue
        target, described = store
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
                    f"settings.{kind} is declared twice for {described}: by registry "
                    f"'{other}' ({other_item.where(path)}) and by registry '{name}' "
                    f"({item.where(path)}); a registry-level setting is declared once",
                    key=True,
                )
            )
