"""Running one step for several names at once, with a bound on the threads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def map_names(
    step: Callable[[str], T], names: Sequence[str], *, workers: int, thread_name: str
) -> dict[str, T]:
    """``{name: step(name)}``, at most ``workers`` steps at once (a single name runs on the
    calling thread)."""
    if len(names) <= 1:
        return {n: step(n) for n in names}
    with ThreadPoolExecutor(
        max_workers=min(workers, len(names)), thread_name_prefix=thread_name
    ) as pool:
        return dict(zip(names, pool.map(step, names), strict=True))
