"""A parsed config file: its data plus where every key and value was written.

Paths into the data are tuples of keys and list indexes (``("repositories", 2, "name")``); they
print as ``repositories[2].name``. Lines and columns are 1-based, as editors show them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from regform.errors import ConfigIssue

DataPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_/*:-]+$")


def format_path(path: DataPath) -> str:
    """``("repositories", 2, "tags", "a.b")`` -> ``repositories[2].tags["a.b"]``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _PLAIN_KEY.match(part):
            out += f".{part}" if out else part
        else:
            quoted = part.replace("\\", "\\\\").replace('"', '\\"')
            out += f'["{quoted}"]'
    return out


_PATH_PART = re.compile(r"\[(\d+)\]|\[\"((?:[^\"\\]|\\.)*)\"\]|([^.\[\]]+)")


def parse_path(text: str) -> DataPath:
    """Inverse of :func:`format_path`, for paths other modules report (``rules[1].selection``)."""
    parts: list[str | int] = []
    for index, quoted, plain in _PATH_PART.findall(text):
        if index:
            parts.append(int(index))
        elif quoted:
            parts.append(quoted.replace('\\"', '"').replace("\\\\", "\\"))
        else:
            parts.append(plain)
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Mark:
    line: int
    column: int


_COLUMNS = 1 << 32


def pack(line: int, column: int) -> int:
    """A line and column as one int (a third of the memory of a :class:`Mark`)."""
    return line * _COLUMNS + column


def unpack(packed: int) -> Mark:
    return Mark(*divmod(packed, _COLUMNS))


@dataclass(slots=True)
class SourceDoc:
    """One config file after parsing."""

    file: str
    data: Any
    #: where each value starts (:func:`pack`ed: a large config has a million of them)
    values: dict[DataPath, int] = field(default_factory=dict)
    #: where the key of each mapping entry is written (packed)
    keys: dict[DataPath, int] = field(default_factory=dict)
    #: values that referenced an unset environment variable (already reported)
    unresolved: set[DataPath] = field(default_factory=set)
    #: environment variables substituted, name -> value (messages must never show the value)
    env_values: dict[str, str] = field(default_factory=dict)
    #: the values a variable was substituted into, as printed in issues (``tags.team``)
    env_paths: set[str] = field(default_factory=set)

    def mark(self, path: DataPath, *, key: bool = False) -> Mark | None:
        """The mark of ``path``; of its nearest ancestor when ``path`` itself has none."""
        if key and path in self.keys:
            return unpack(self.keys[path])
        p = path
        while True:
            if p in self.values:
                return unpack(self.values[p])
            if not p:
                return None
            p = p[:-1]

    def issue(self, path: DataPath, message: str, *, key: bool = False) -> ConfigIssue:
        m = self.mark(path, key=key)
        return ConfigIssue(
            message=message,
            path=format_path(path),
            file=self.file,
            line=m.line if m else None,
            column=m.column if m else None,
        )

    def where(self, path: DataPath) -> str:
        """``file:line`` of ``path``, for messages that name another place."""
        m = self.mark(path)
        return f"{self.file}:{m.line}" if m else self.file


def file_issue(
    file: str, message: str, line: int | None = None, column: int | None = None
) -> ConfigIssue:
    return ConfigIssue(message=message, path="", file=file, line=line, column=column)
