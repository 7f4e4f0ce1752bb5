"""How a plan shows changes of Harbor's own fields (pure: the diff lines of one field)."""

from __future__ import annotations

from typing import Any

from regform.documents.docdiff import diff_documents, fmt_value

ROBOTS = "robots"
NEW_SECRET = "a new secret, shown once at apply (--secrets-file or --show-secrets)"


def _robot_lines(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, ...]:
    lines: list[str] = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            lines.append(f"- {name}: {fmt_value(before[name])}  # its secret stops working")
        elif name not in before:
            lines.append(f"+ {name}: {fmt_value(after[name])}  # {NEW_SECRET}")
        elif before[name] != after[name]:
            for line in diff_documents(before[name], after[name]):
                lines.append(f"~ {name}: {line.lstrip('+-~ ')}  # its secret is kept")
    return tuple(lines)


def diff_lines(field: str, before: Any, after: Any) -> tuple[str, ...]:
    if field == ROBOTS:
        return _robot_lines(dict(before or {}), dict(after or {}))
    if isinstance(after, dict | list) or isinstance(before, dict | list):
        return diff_documents(before, after)
    return ()
