"""Definitions nothing uses: a lifecycle or repository policy that no repository, default, pattern
or creation template names is most likely a typo or a leftover; it is a warning, not an error."""

from __future__ import annotations

from typing import Any

from regform.config.merge import Merged
from regform.errors import ConfigIssue

#: (section of definitions, key that names one, what it is called in messages)
SECTIONS = (
    ("lifecycle_policies", "lifecycle", "lifecycle policy"),
    ("repository_policies", "policy", "repository policy"),
)


def _names(value: Any, key: str, into: set[str]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and isinstance(v, str):
                into.add(v)
            else:
                _names(v, key, into)
    elif isinstance(value, list):
        for v in value:
            _names(v, key, into)


def unused_definitions(merged: Merged) -> list[ConfigIssue]:
    """One warning per definition that nothing refers to, naming its file and line."""
    users = [merged.defaults, *merged.repositories, *merged.registries.values()]
    warnings: list[ConfigIssue] = []
    for section, key, label in SECTIONS:
        used: set[str] = set()
        for item in users:
            if item is not None:
                _names(item.value, key, used)
        for name, item in merged.section(section).items():
            if name not in used:
                warnings.append(
                    item.issue(
                        (),
                        f"{label} '{name}' is defined but nothing uses it "
                        f"(no repository, default or template says {key}: {name})",
                    )
                )
    return warnings
