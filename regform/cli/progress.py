"""Progress on stderr, on a terminal or not (CI logs too): a line when reading or applying starts,
then every few seconds how far it got, so a long run is never silent."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from regform.providers.base import Provider

#: seconds between two progress lines.
INTERVAL = 5.0


@contextmanager
def heartbeat(message: Callable[[], str], interval: float = INTERVAL) -> Iterator[None]:
    """Print ``message()`` on stderr every ``interval`` seconds while the body runs."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            typer.echo(message(), err=True)

    thread = threading.Thread(target=beat, name="regform-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def calls_made(providers: Mapping[str, Provider]) -> int:
    return sum(sum(p.api_calls().values()) for p in providers.values())


@contextmanager
def reading(providers: Mapping[str, Provider], interval: float = INTERVAL) -> Iterator[None]:
    """``prod: reading <endpoint>...`` per registry, then the API calls made every few seconds."""
    for name in sorted(providers):
        identity = providers[name].identity()
        where = identity.get("endpoint") or identity.get("region") or ""
        typer.echo(f"{name}: reading {where}...".replace(" ...", "..."), err=True)
    with heartbeat(lambda: f"... {_calls(calls_made(providers))} made so far", interval):
        yield


def _calls(n: int) -> str:
    return f"{n} API call{'' if n == 1 else 's'}"


class Applying:
    """``Applying N changes...``, then every few seconds (and at every tenth of the changes)
    how many are done."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self._step = max(1, total // 10)
        self._lock = threading.Lock()
        typer.echo(f"Applying {total} change{'s' if total != 1 else ''}...", err=True)

    def line(self) -> str:
        return f"... {self.done} of {self.total} changes done"

    def one_done(self) -> None:
        with self._lock:
            self.done += 1
            if self.total >= 20 and self.done % self._step == 0:
                typer.echo(self.line(), err=True)
