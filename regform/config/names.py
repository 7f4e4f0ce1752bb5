"""Repository names: brace expansion of name patterns, scope globs."""

from __future__ import annotations

import re

#: one pattern may not expand to more names than this
MAX_EXPANSION = 10_000


class BraceError(ValueError):
    pass


def _split_top(body: str) -> list[str]:
    parts: list[str] = []
    depth = 0
    start = 0
    for i, c in enumerate(body):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


_RANGE = re.compile(r"^(-?\d+)\.\.(-?\d+)(?:\.\.(\d+))?$")


def _range(match: re.Match[str]) -> list[str]:
    a, b = match.group(1), match.group(2)
    step = int(match.group(3) or 1)
    if step == 0:
        raise BraceError("a range step must be at least 1")
    lo, hi = int(a), int(b)
    count = abs(hi - lo) // step + 1
    if count > MAX_EXPANSION:
        raise BraceError(f"the range {{{match.group(0)}}} has more than {MAX_EXPANSION:,} values")
    padded = any(len(x.lstrip("-")) > 1 and x.lstrip("-").startswith("0") for x in (a, b))
    width = max(len(a), len(b)) if padded else 0
    values = range(lo, hi + 1, step) if lo <= hi else range(lo, hi - 1, -step)
    return [str(v).zfill(width) for v in values]


def expand_braces(pattern: str) -> list[str]:
    """``svc-{1..3}`` -> svc-1, svc-2, svc-3; ``{web,worker}`` -> web, worker; ``{01..10}`` pads.

    Alternatives nest (``{a,b{1,2}}``); several groups multiply. Raises :class:`BraceError`.
    """
    start = pattern.find("{")
    if start < 0:
        if "}" in pattern:
            raise BraceError("'}' without a matching '{'")
        return [pattern]
    depth = 0
    end = -1
    for i in range(start, len(pattern)):
        if pattern[i] == "{":
            depth += 1
        elif pattern[i] == "}":
            depth -= 1
            if depth == 0:
                end = i
                break
    if end < 0:
        raise BraceError("'{' without a matching '}'")
    if "}" in pattern[:start]:
        raise BraceError("'}' without a matching '{'")
    body = pattern[start + 1 : end]
    head, tail = pattern[:start], pattern[end + 1 :]
    rng = _RANGE.match(body)
    if rng:
        options = _range(rng)
    else:
        parts = _split_top(body)
        if len(parts) < 2:
            raise BraceError(f"'{{{body}}}' needs alternatives (a,b) or a range (1..3)")
        options = [o for part in parts for o in expand_braces(part)]
    tails = expand_braces(tail)
    if len(options) * len(tails) > MAX_EXPANSION:
        raise BraceError(f"expands to more than {MAX_EXPANSION:,} names")
    return [head + o + t for o in options for t in tails]


_GLOB_CHARS = re.compile(r"^[a-z0-9._/*?\[\]!-]+$")


def glob_problem(pattern: str) -> str | None:
    """Why a scope glob is invalid (None when valid). ``*`` also matches ``/``."""
    if not pattern:
        return "is empty"
    if not _GLOB_CHARS.match(pattern):
        if pattern != pattern.lower():
            return "has uppercase letters (repository names are lowercase; it would match nothing)"
        return "may only hold a-z 0-9 . _ - / and the wildcards * ? [...]"
    depth = 0
    for c in pattern:
        if c == "[":
            if depth:
                return "has '[' inside a [...] class"
            depth = 1
        elif c == "]":
            if not depth:
                return "has ']' without a matching '['"
            depth = 0
    if depth:
        return "has '[' without a matching ']'"
    return None
