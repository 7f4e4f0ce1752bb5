"""Imported config as YAML a person would write: block style, no anchors, sections separated by a
blank line, short lists of plain values on one line, and a header whose every line is a comment."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from regform.documents.normalize import canonical_json


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors, short lists of plain values on one line."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)  # list items indented under their key


def _list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(v, str | int | float | bool) for v in data) and (
        len(canonical_json(data)) <= 60
    )
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def to_yaml(data: Mapping[str, Any], header: Sequence[str] = ()) -> str:
    """The config as YAML, sections separated by a blank line, ``header`` as comments."""
    parts = [
        yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, width=100, allow_unicode=True)
        for key, value in data.items()
    ]
    top = "".join(
        f"# {part}\n" if part else "#\n"
        for line in header
        for part in (line.splitlines() or [""])  # every line of a header stays a comment
    )
    return top + "\n".join(parts)
