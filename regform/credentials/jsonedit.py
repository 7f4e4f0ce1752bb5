"""Edit one member of a JSON object in place, leaving every other byte of the text as it was.

Auth files are shared with docker, podman, skopeo and people's editors: regform changes only the
entries it owns. The text is scanned with the standard library's JSON decoder (``raw_decode``
gives each value's end), so the spans are exact; the result is always valid JSON.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
DEFAULT_INDENT = "\t"  # what docker and containers/image write


class JsonEditError(ValueError):
    """The text is not a JSON object of the expected shape (the message says where)."""


@dataclass(frozen=True, slots=True)
class Member:
    key: str
    value: Any
    start: int  # the key's opening quote
    value_start: int
    end: int  # just past the value


@dataclass(frozen=True, slots=True)
class ObjectSpan:
    open: int  # the "{"
    close: int  # the "}"
    members: tuple[Member, ...]

    def get(self, key: str) -> Member | None:
        found = [m for m in self.members if m.key == key]
        return found[-1] if found else None


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _where(text: str, pos: int) -> str:
    line = text.count("\n", 0, pos) + 1
    return f"line {line}, column {pos - (text.rfind(chr(10), 0, pos) + 1) + 1}"


def _expect(text: str, pos: int, char: str) -> int:
    if text[pos : pos + 1] != char:
        raise JsonEditError(f"expected '{char}' at {_where(text, pos)}")
    return pos + 1


def _decode(text: str, pos: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as exc:
        raise JsonEditError(f"{exc.msg} at {_where(text, exc.pos)}") from None
    except RecursionError:
        raise JsonEditError(f"a value nested too deeply at {_where(text, pos)}") from None


def parse_object(text: str, pos: int = 0) -> ObjectSpan:
    """The object starting at ``pos`` (after optional whitespace) with its members' spans."""
    open_at = _skip(text, pos)
    pos = _expect(text, open_at, "{")
    members: list[Member] = []
    pos = _skip(text, pos)
    if text[pos : pos + 1] == "}":
        return ObjectSpan(open_at, pos, ())
    while True:
        start = pos
        if text[pos : pos + 1] != '"':
            raise JsonEditError(f"expected a key at {_where(text, pos)}")
        key, pos = _decode(text, pos)
        pos = _expect(text, _skip(text, pos), ":")
        value_start = _skip(text, pos)
        value, pos = _decode(text, value_start)
        members.append(Member(key, value, start, value_start, pos))
        pos = _skip(text, pos)
        if text[pos : pos + 1] == "}":
            return ObjectSpan(open_at, pos, tuple(members))
        pos = _skip(text, _expect(text, pos, ","))


def check_document(text: str) -> ObjectSpan:
    """The top-level object of a whole document (nothing but whitespace may follow it)."""
    top = parse_object(text)
    rest = _skip(text, top.close + 1)
    if rest != len(text):
        raise JsonEditError(f"unexpected text after the object at {_where(text, rest)}")
    return top


def _indent_of(text: str, obj: ObjectSpan) -> str | None:
    """The whitespace before an object's first member after its last newline (None: one line)."""
    if not obj.members:
        return None
    gap = text[obj.open + 1 : obj.members[0].start]
    return gap.rsplit("\n", 1)[1] if "\n" in gap else None


def _render(value: Any, indent: str | None, unit: str | None) -> str:
    if unit is None or indent is None:
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return json.dumps(value, ensure_ascii=False, indent=unit).replace("\n", "\n" + indent)


def remove_member(text: str, obj: ObjectSpan, key: str) -> str:
    """``text`` without ``key`` in ``obj`` (every occurrence's span, separators tidied)."""
    for member in reversed([m for m in obj.members if m.key == key]):
        obj = _reparse(text, obj)
        members = obj.members
        i = next(j for j, m in enumerate(members) if m.start == member.start)
        if i + 1 < len(members):
            text = text[: members[i].start] + text[members[i + 1].start :]
        elif i > 0:
            text = text[: members[i - 1].end] + text[members[i].end :]
        else:
            text = text[: obj.open + 1] + text[obj.close :]
    return text


def _reparse(text: str, obj: ObjectSpan) -> ObjectSpan:
    return parse_object(text, obj.open)


def set_member(
    text: str, obj: ObjectSpan, key: str, value: Any, depth: int, unit: str | None
) -> str:
    """``text`` with ``obj[key] = value``: replaced in place when present, else appended.

    ``depth`` is the object's nesting level (1 for the top level's members) and ``unit`` the
    file's indentation step (None for a file written on one line).
    """
    indent = _indent_of(text, obj)
    if indent is None and unit is not None and not obj.members:
        indent = unit * depth
    existing = obj.get(key)
    if existing is not None:
        rendered = _render(value, indent, unit)
        return text[: existing.value_start] + rendered + text[existing.end :]
    member = json.dumps(key, ensure_ascii=False) + ": " + _render(value, indent, unit)
    if obj.members:
        last = obj.members[-1]
        gap = text[obj.open + 1 : obj.members[0].start]
        return text[: last.end] + "," + gap + member + text[last.end :]
    if indent is None:
        return text[: obj.open + 1] + member + text[obj.close :]
    closing = "\n" + (unit or "") * (depth - 1)
    return text[: obj.open + 1] + "\n" + indent + member + closing + text[obj.close :]


def indent_unit(text: str, top: ObjectSpan) -> str | None:
    """The indentation step of a document (its top-level members' indent); a new document
    gets docker's tab."""
    if not top.members:
        return DEFAULT_INDENT
    return _indent_of(text, top)
