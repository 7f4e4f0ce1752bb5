"""Tag matching for lifecycle rules, done once per distinct tag rather than once per image.

* ``tagPrefixList``: an image matches when every prefix is the start of at least one of its tags.
* ``tagPatternList``: an image matches when every pattern matches at least one of its tags as a
  whole; ``*`` stands for zero or more characters and is the only wildcard (``?`` and ``[`` are
  ordinary characters, unlike :mod:`fnmatch`). Matching is case-sensitive.

:class:`TagIndex` keeps all tags sorted, so a prefix (or a pattern that is a prefix followed by
``*``) or an exact tag is a binary search, and any other pattern is a regular-expression test of
only the tags that start with the pattern's literal beginning.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from itertools import chain, compress, repeat

_MAX_CHAR = chr(0x10FFFF)


def glob_to_regex(pattern: str) -> str:
    """Regular expression (without anchors) for a lifecycle tag pattern."""
    return ".*".join(re.escape(part) for part in pattern.split("*"))


class TagIndex:
    """Every (tag, image position) pair of a set of images, sorted by tag.

    A prefix selects one contiguous slice of the sorted tags (two binary searches). A pattern
    selects the slice of its literal start (the text before its first ``*``) and filters it with
    the pattern's regular expression, with the iteration done in C (``map``/``compress``).
    """

    def __init__(
        self, tags_per_image: Sequence[Sequence[str]], positions: Sequence[int] | None = None
    ) -> None:
        """Index the tags of each image; an image is known by its place in ``tags_per_image``,
        or by ``positions[place]`` when given."""
        flat_tags = list(chain.from_iterable(tags_per_image))
        counts = map(len, tags_per_image)
        names = range(len(tags_per_image)) if positions is None else positions
        flat_positions = list(chain.from_iterable(map(repeat, names, counts)))
        order = sorted(range(len(flat_tags)), key=flat_tags.__getitem__)
        self._tags = list(map(flat_tags.__getitem__, order))
        self._positions = list(map(flat_positions.__getitem__, order))
        self._cache: dict[tuple[bool, str], frozenset[int]] = {}

    def images_with_prefixes(self, prefixes: Iterable[str]) -> set[int]:
        """Positions of images with, for every prefix, a tag starting with it."""
        return self._all((False, p) for p in prefixes)

    def images_with_patterns(self, patterns: Iterable[str]) -> set[int]:
        """Positions of images with, for every pattern, a tag matching it."""
        return self._all((True, p) for p in patterns)

    def _all(self, keys: Iterable[tuple[bool, str]]) -> set[int]:
        result: set[int] | None = None
        for key in keys:
            found = self._cache.get(key)
            if found is None:
                found = self._cache[key] = frozenset(self._matching(*key))
            result = set(found) if result is None else result & found
            if not result:
                break
        return result if result is not None else set()

    def _matching(self, is_pattern: bool, value: str) -> Iterable[int]:
        if not is_pattern:
            return self._positions[slice(*self._prefix_range(value))]
        literal, star, rest = value.partition("*")
        if not star:  # no wildcard: the tag itself
            lo = bisect_left(self._tags, value)
            return self._positions[lo : bisect_right(self._tags, value, lo)]
        lo, hi = self._prefix_range(literal)
        if not rest.replace("*", ""):  # "prefix*" (or "prefix**"): any tag with the prefix
            return self._positions[lo:hi]
        matches = re.compile(glob_to_regex(value), re.DOTALL).fullmatch
        return compress(self._positions[lo:hi], map(matches, self._tags[lo:hi]))

    def _prefix_range(self, prefix: str) -> tuple[int, int]:
        """Index range of the sorted tags that start with ``prefix``."""
        tags = self._tags
        lo = bisect_left(tags, prefix)
        if not prefix:
            return lo, len(tags)
        last = prefix[-1]
        if last == _MAX_CHAR:
            hi = lo
            while hi < len(tags) and tags[hi].startswith(prefix):
                hi += 1
            return lo, hi
        # every string starting with ``prefix`` sorts below prefix-with-last-char-bumped
        return lo, bisect_left(tags, prefix[:-1] + chr(ord(last) + 1), lo)
