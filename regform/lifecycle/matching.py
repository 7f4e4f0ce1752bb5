"""Tag matching for lifecycle rules, done once per distinct tag rather than once per image.

* ``tagPrefixList``: an image matches when every prefix is the start of at least one of its tags.
* ``tagPatternList``: an image matches when every pattern matches at least one of its tags as a
  whole; ``*`` stands for zero or more characters and is the only wildcard (``?`` and ``[`` are
  ordinary characters, unlike :mod:`fnmatch`). Matching is case-sensitive.

:class:`TagIndex` keeps the distinct tags sorted, so a prefix (or a pattern that is a prefix
followed by ``*``) is a binary search, an exact tag is a dictionary lookup, and any other pattern
is one regular-expression scan over all distinct tags joined by newlines.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import chain

_MAX_CHAR = chr(0x10FFFF)


def glob_to_regex(pattern: str) -> str:
    """Regular expression (without anchors) for a lifecycle tag pattern."""
    return ".*".join(re.escape(part) for part in pattern.split("*"))


def pattern_matches(pattern: str, tag: str) -> bool:
    """Whether one tag matches one ``tagPatternList`` entry (whole-string, ``*`` wildcard)."""
    return re.fullmatch(glob_to_regex(pattern), tag, re.DOTALL) is not None


class TagIndex:
    """Distinct tags of a set of images, each with the positions of the images that carry it."""

    def __init__(self, tags_per_image: Sequence[Sequence[str]]) -> None:
        by_tag: dict[str, list[int]] = {}
        for position, tags in enumerate(tags_per_image):
            for tag in tags:
                holders = by_tag.get(tag)
                if holders is None:
                    by_tag[tag] = [position]
                elif holders[-1] != position:  # a tag listed twice on one image
                    holders.append(position)
        self._by_tag = by_tag
        self._sorted = sorted(by_tag)
        plain = [t for t in self._sorted if "\n" not in t]
        self._text = "\n".join(plain)
        #: tags a line-based scan cannot see (never valid in a registry, but kept exact)
        self._odd = [t for t in self._sorted if "\n" in t]
        self._cache: dict[tuple[str, str], frozenset[int]] = {}

    def images_with_prefixes(self, prefixes: Iterable[str]) -> set[int]:
        """Positions of images with, for every prefix, a tag starting with it."""
        return self._all(("prefix", p) for p in prefixes)

    def images_with_patterns(self, patterns: Iterable[str]) -> set[int]:
        """Positions of images with, for every pattern, a tag matching it."""
        return self._all(("pattern", p) for p in patterns)

    def _all(self, keys: Iterable[tuple[str, str]]) -> set[int]:
        result: set[int] | None = None
        for key in keys:
            found = self._cache.get(key)
            if found is None:
                kind, value = key
                tags = self._with_prefix(value) if kind == "prefix" else self._matching(value)
                found = frozenset(chain.from_iterable(self._by_tag[t] for t in tags))
                self._cache[key] = found
            result = set(found) if result is None else result & found
            if not result:
                break
        return result if result is not None else set()

    def _with_prefix(self, prefix: str) -> Sequence[str]:
        lo = bisect_left(self._sorted, prefix)
        if not prefix:
            return self._sorted
        last = prefix[-1]
        if last == _MAX_CHAR:
            hi = lo
            while hi < len(self._sorted) and self._sorted[hi].startswith(prefix):
                hi += 1
        else:
            # every string starting with ``prefix`` sorts below prefix-with-last-char-bumped
            hi = bisect_left(self._sorted, prefix[:-1] + chr(ord(last) + 1), lo)
        return self._sorted[lo:hi]

    def _matching(self, pattern: str) -> Sequence[str]:
        stars = pattern.count("*")
        if stars == 0:
            return [pattern] if pattern in self._by_tag else []
        if stars == 1 and pattern.endswith("*"):
            return self._with_prefix(pattern[:-1])
        body = glob_to_regex(pattern)
        lines = re.compile(f"^{body}$", re.MULTILINE)  # '.' stops at newlines: one tag per line
        found = lines.findall(self._text)
        if self._odd:
            whole = re.compile(body, re.DOTALL)
            found.extend(t for t in self._odd if whole.fullmatch(t))
        return found
