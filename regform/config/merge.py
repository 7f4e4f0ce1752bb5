"""Several parsed files -> one set of definitions, each remembering the file and place it came from.

``registries``, ``lifecycle_policies`` and ``repository_policies`` are maps merged across files (a
name defined twice is an error naming both places); ``repositories`` lists are concatenated;
``defaults`` may appear in one file only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from regform.config.source import DataPath, SourceDoc
from regform.errors import ConfigIssue

DEFINITION_SECTIONS = {
    "registries": "registry",
    "lifecycle_policies": "lifecycle policy",
    "repository_policies": "repository policy",
}


@dataclass(frozen=True, slots=True)
class Item:
    """A value from one file, with where it is and which parts of it failed the schema."""

    doc: SourceDoc
    path: DataPath
    value: Any
    #: paths (relative to ``path``) at or under which the schema reported a problem
    bad: frozenset[DataPath] = frozenset()

    def ok(self, *sub: str | int) -> bool:
        """True when the schema found nothing wrong at or under ``sub``."""
        n = len(sub)
        return not any(p[:n] == sub for p in self.bad)

    def get(self, key: str) -> Any:
        """The value of ``key`` when the item is a mapping and that key passed the schema."""
        if isinstance(self.value, dict) and key in self.value and self.ok(key):
            return self.value[key]
        return None

    def issue(self, sub: DataPath, message: str, *, key: bool = False) -> ConfigIssue:
        return self.doc.issue((*self.path, *sub), message, key=key)

    def where(self, sub: DataPath = ()) -> str:
        return self.doc.where((*self.path, *sub))


@dataclass(slots=True)
class Merged:
    registries: dict[str, Item] = field(default_factory=dict)
    lifecycle_policies: dict[str, Item] = field(default_factory=dict)
    repository_policies: dict[str, Item] = field(default_factory=dict)
    defaults: Item | None = None
    repositories: list[Item] = field(default_factory=list)
    #: every file was read and its sections had the right shape (so references can be checked)
    complete: bool = True
    files: list[str] = field(default_factory=list)

    def section(self, name: str) -> dict[str, Item]:
        section: dict[str, Item] = getattr(self, name)
        return section


_NOTHING: frozenset[DataPath] = frozenset()


def _item(doc: SourceDoc, path: DataPath, value: Any, bad: dict[DataPath, list[DataPath]]) -> Item:
    """The item at ``path``; ``bad`` holds the schema's bad paths by their first two parts."""
    n = len(path)
    found = bad.get(path[:2], ())
    mine = frozenset(p[n:] for p in found if p[:n] == path) if found else _NOTHING
    return Item(doc, path, value, mine)


def _by_prefix(bad: set[DataPath]) -> dict[DataPath, list[DataPath]]:
    """Bad paths under their first one and two parts (so each item finds its own at once)."""
    index: dict[DataPath, list[DataPath]] = {}
    for p in bad:
        index.setdefault(p[:1], []).append(p)
        if len(p) > 1:
            index.setdefault(p[:2], []).append(p)
    return index


def merge(
    docs: Sequence[tuple[SourceDoc, set[DataPath]]], issues: list[ConfigIssue], complete: bool
) -> Merged:
    """Merge parsed files (each with the paths its schema check flagged) in the given order."""
    merged = Merged(complete=complete)
    for doc, bad_paths in docs:
        merged.files.append(doc.file)
        bad = _by_prefix(bad_paths)
        data = doc.data
        if not isinstance(data, dict):
            merged.complete = False
            continue
        for section, label in DEFINITION_SECTIONS.items():
            defs = data.get(section)
            if defs is None:
                continue
            if not isinstance(defs, dict):
                merged.complete = False
                continue
            target = merged.section(section)
            for name, value in defs.items():
                path = (section, name)
                if name in target:
                    first = target[name]
                    issues.append(
                        doc.issue(
                            path,
                            f"{label} '{name}' is defined twice: "
                            f"{first.where()} and {doc.where(path)}",
                            key=True,
                        )
                    )
                    continue
                target[name] = _item(doc, path, value, bad)
        if "defaults" in data:
            if merged.defaults is not None:
                first = merged.defaults
                issues.append(
                    doc.issue(
                        ("defaults",),
                        f"defaults appear in two files: {first.where()} and "
                        f"{doc.where(('defaults',))} (keep one)",
                        key=True,
                    )
                )
            else:
                merged.defaults = _item(doc, ("defaults",), data["defaults"], bad)
        repos = data.get("repositories")
        if isinstance(repos, list):
            for i, entry in enumerate(repos):
                merged.repositories.append(_item(doc, ("repositories", i), entry, bad))
        elif repos is not None:
            merged.complete = False
    return merged
