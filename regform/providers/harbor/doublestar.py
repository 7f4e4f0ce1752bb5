"""Harbor's pattern matching, as its selectors see patterns.

Harbor's selectors match tags and repositories with ``bmatcuk/doublestar`` v1 ``Match`` (goharbor/
harbor ``src/lib/selector/selectors/doublestar/selector.go`` @ c5c36201ee28; ``src/go.mod``
@ 0063430f6d8b pins v1.1.1). What a pattern means there, as implemented here:

* pattern and value are cut into components at each ``/`` not escaped by ``\\`` (a trailing
  ``/`` adds no component); a pattern component that is exactly ``**`` spans any number of value
  components, except at the end of the pattern, where it needs at least one (``a/**`` does not
  match ``a``; ``**/x`` matches ``x``);
* inside a component ``*`` is any run of characters (so ``v**`` is ``v*``), ``?`` one
  character, ``[a-z]`` / ``[^0-9]`` a class, ``\\c`` the character ``c``, and ``{a,b}`` one of
  the alternatives (each followed by the rest of the component; braces do not nest);
* a term is only read when the match reaches it: once the value is used up, what remains of the
  pattern matches only if it is ``*`` or ``**`` (so ``v1{,-rc}`` does not match ``v1``);
* a malformed term (an unclosed ``[`` or ``{``, an empty or broken class, a trailing ``\\``)
  raises :class:`BadPattern` when the match reaches it, except in the tries after a ``*`` or a
  ``**``, where it counts as no match.

Harbor's own wrapper adds one rule: an empty pattern matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

T = TypeVar("T", str, list[str])


class BadPattern(ValueError):
    """A pattern the library refuses: Harbor fails the retention run that meets it."""


def _split(text: str, sep: str) -> list[str]:
    """``text`` cut at every ``sep`` not escaped by ``\\``; a trailing ``sep`` adds nothing."""
    parts = re.split(rf"(?<!\\){re.escape(sep)}", text)
    return parts[:-1] if len(parts) > 1 and not parts[-1] else parts


def components(text: str) -> list[str]:
    """The ``/``-separated components of a pattern or a value."""
    return _split(text, "/")


def _closing(pattern: str, start: int, char: str) -> int:
    """Index of the first ``char`` at or after ``start`` not right after a ``\\``."""
    at = start
    while True:
        at = pattern.find(char, at)
        if at == -1:
            raise BadPattern(pattern)
        if at == 0 or pattern[at - 1] != "\\":
            return at
        at += 1


def _class_matches(body: str, char: str) -> bool:
    """``[body]`` against one character: ranges ``a-z``, escapes ``\\c``, ``^`` to negate."""
    negate = body.startswith("^")
    items: list[tuple[str, bool]] = []  # (character, escaped)
    i = int(negate)
    while i < len(body):
        if body[i] == "\\":
            if i + 1 == len(body):
                raise BadPattern(f"[{body}]")
            items.append((body[i + 1], True))
            i += 2
        else:
            items.append((body[i], False))
            i += 1
    if not body:
        raise BadPattern("[]")
    dash = ("-", False)
    found, k = False, 0
    while k < len(items):
        if items[k] == dash:  # a range marker where a character belongs
            raise BadPattern(f"[{body}]")
        low = high = items[k][0]
        k += 1
        if k < len(items) and items[k] == dash:
            if k + 1 == len(items) or items[k + 1] == dash:
                raise BadPattern(f"[{body}]")
            high = items[k + 1][0]
            k += 2
        found = found or low <= char <= high
    return found != negate


def _any_quietly(test: Callable[[T, T], bool], pattern: T, tails: Iterable[T]) -> bool:
    """Whether ``pattern`` matches one of ``tails``, a malformed term counting as no match."""
    for tail in tails:
        try:
            if test(pattern, tail):
                return True
        except BadPattern:
            continue
    return False


def _component(pattern: str, value: str) -> bool:
    """One pattern component against one value component."""
    if not pattern or not value:
        return pattern == value or pattern == "*"
    i = j = 0
    while i < len(pattern) and j < len(value):
        term = pattern[i]
        if term == "*":
            rest = pattern[i + 1 :]
            tails = (value[k:] for k in range(j, len(value)))
            return not rest or _any_quietly(_component, rest, tails)
        if term == "{":
            close = _closing(pattern, i + 1, "}")
            rest = pattern[close + 1 :]
            choices = _split(pattern[i + 1 : close], ",")
            return any(_component(choice + rest, value[j:]) for choice in choices)
        if term == "[":
            close = _closing(pattern, i + 1, "]")
            if not _class_matches(pattern[i + 1 : close], value[j]):
                return False
            i = close + 1
        elif term == "\\":
            if i + 1 == len(pattern):
                raise BadPattern(pattern)
            if pattern[i + 1] != value[j]:
                return False
            i += 2
        elif term == "?" or term == value[j]:
            i += 1
        else:
            return False
        j += 1
    left = pattern[i:]
    return not left and j == len(value) or left in ("*", "**") and j == len(value)


def _components(patterns: list[str], values: list[str]) -> bool:
    if not patterns or not values:
        return not patterns and not values
    head, rest = patterns[0], patterns[1:]
    if head == "**":
        tails = (values[k:] for k in range(len(values)))
        return not rest or _any_quietly(_components, rest, tails)
    return _component(head, values[0]) and _components(rest, values[1:])


@lru_cache(maxsize=65536)
def match(pattern: str, value: str) -> bool:
    """Whether Harbor's selector sees ``value`` match ``pattern``; raises :class:`BadPattern`."""
    if not pattern:
        return True
    return _components(components(pattern), components(value))


def malformed(pattern: str) -> str | None:
    """Why the library would refuse ``pattern`` for some value (None when it would not): each
    ``/``-separated component must close its ``[`` and ``{`` itself (so a brace list cannot
    hold a ``/``), and not end in a lone ``\\``."""
    for part in components(pattern):
        i = 0
        while i < len(part):
            if part[i] == "\\":
                if i + 1 == len(part):
                    return "it ends in a lone '\\'"
                i += 2
                continue
            close = {"[": "]", "{": "}"}.get(part[i])
            if close is not None:
                try:
                    end = _closing(part, i + 1, close)
                except BadPattern:
                    return f"a '{part[i]}' is not closed before the next '/'"
                if close == "]":  # a class holds characters, not terms
                    i = end
            i += 1
    return None
