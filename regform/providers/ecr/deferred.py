"""Clients created when first used."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

C = TypeVar("C")


class Deferred(Generic[C]):
    """A client created when first asked for, once (thread-safe). Creating one costs milliseconds
    of CPU (its service model and endpoint rules are loaded), and most plans never call STS or
    KMS."""

    def __init__(self, create: Callable[[], C]) -> None:
        self._create: Callable[[], C] | None = create
        self._client: C | None = None
        self._watchers: list[Callable[[C], None]] = []
        self._lock = threading.Lock()

    @classmethod
    def of(cls, client: C | Deferred[C]) -> Deferred[C]:
        """``client`` as it is if deferred, else wrapped (already created)."""
        if isinstance(client, Deferred):
            return client
        deferred: Deferred[C] = cls(lambda: client)
        deferred()
        return deferred

    def __call__(self) -> C:
        with self._lock:
            if self._create is not None:
                client = self._create()
                for watch in self._watchers:
                    watch(client)
                self._client, self._create = client, None
            return cast("C", self._client)

    def on_create(self, watch: Callable[[C], None]) -> None:
        """Call ``watch`` with the client when it is created (now, if it already is)."""
        with self._lock:
            if self._create is not None:
                self._watchers.append(watch)
                return
        watch(cast("C", self._client))


def when_created(client: Any, watch: Callable[[Any], None]) -> None:
    """Call ``watch`` with ``client`` now, or once created if it is :class:`Deferred`."""
    if isinstance(client, Deferred):
        client.on_create(watch)
    else:
        watch(client)
