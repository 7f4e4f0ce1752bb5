"""An endpoint that cannot be reached fails fast, in one line naming the registry and endpoint.

botocore retries a failed connection like any other error (up to ten attempts with growing
pauses: tens of seconds of silence). Until the endpoint has answered once, regform stops after a
connect timeout (it already waited ``connect_timeout``) or after three refused connections; once
it has answered, a connection error is retried as usual (a blip in a long run).
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError

from regform.errors import ProviderError

#: refused connections tried before giving up on an endpoint that never answered.
REFUSED_ATTEMPTS = 3


class Reachability:
    """Watches the clients of one registry (botocore's public event hooks)."""

    def __init__(self, registry: str) -> None:
        self.registry = registry
        self._reached = threading.Event()

    def watch(self, client: Any) -> None:
        client.meta.events.register("needs-retry", self._needs_retry)

    def _needs_retry(
        self,
        attempts: int = 1,
        caught_exception: Exception | None = None,
        operation: Any = None,
        **_: Any,
    ) -> None:
        if not isinstance(caught_exception, EndpointConnectionError | ConnectTimeoutError):
            self._reached.set()  # an answer (even an error) came back
            return
        if self._reached.is_set():
            return
        timed_out = isinstance(caught_exception, ConnectTimeoutError)
        if timed_out or attempts >= REFUSED_ATTEMPTS:
            endpoint = getattr(caught_exception, "kwargs", {}).get("endpoint_url", "")
            why = "no answer" if timed_out else "connection refused or no route"
            op = f"{operation.name}: " if operation is not None else ""
            raise ProviderError(
                f"registry {self.registry!r}: {op}cannot reach {endpoint or 'its endpoint'} ({why})"
            )
