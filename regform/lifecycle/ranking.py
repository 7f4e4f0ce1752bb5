"""Images in push order, the order the lifecycle engine and its reference rule compute in."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, islice
from operator import attrgetter, eq
from typing import Any

from regform.model import Image

PUSHED = attrgetter("pushed_at")
ACTIVATED = attrgetter("last_activated_at")


@dataclass(frozen=True, slots=True)
class Ranking:
    """Images with their order by push time, oldest first.

    A *position* is an image's place in that order; positions are what the engine computes with
    (the ``N`` newest of a set are its ``N`` largest positions). Passes over every image run in
    input order (``images``), which is far kinder to the CPU caches than the sorted order, and
    their results are mapped to positions through ``rank``.
    """

    #: the images as given
    images: Sequence[Image]
    #: position -> index into ``images``
    order: list[int]
    #: index into ``images`` -> position
    rank: list[int]
    #: position -> push time (POSIX seconds; restore time for a restored image)
    times: list[float]
    #: whether some image was restored from archive (``last_activated_at`` set)
    restores: bool = False

    @classmethod
    def of(cls, images: Sequence[Image]) -> Ranking:
        restores = any(map(ACTIVATED, images))
        if restores:
            times = [(i.last_activated_at or i.pushed_at).timestamp() for i in images]
        else:
            times = list(map(datetime.timestamp, map(PUSHED, images)))
        order = sorted(range(len(images)), key=times.__getitem__)
        ordered_times = list(map(times.__getitem__, order))
        if any(map(eq, ordered_times, islice(ordered_times, 1, None))):
            # ties: order each run of equal times by digest
            start = 0
            for end in range(1, len(order) + 1):
                if end == len(order) or times[order[end]] != times[order[start]]:
                    if end - start > 1:
                        run = order[start:end]
                        run.sort(key=lambda k: (images[k].digest, images[k].tags))
                        order[start:end] = run
                    start = end
        rank = [0] * len(order)
        for position, k in enumerate(order):
            rank[k] = position
        return cls(images, order, rank, ordered_times, restores)

    def ordered(self) -> list[Image]:
        """The images, oldest first."""
        return list(map(self.images.__getitem__, self.order))

    def image(self, position: int) -> Image:
        return self.images[self.order[position]]

    def positions_where(self, flags: Iterable[Any]) -> set[int]:
        """Positions of the images (in input order) whose flag is true."""
        return set(map(self.rank.__getitem__, compress(range(len(self.images)), flags)))
