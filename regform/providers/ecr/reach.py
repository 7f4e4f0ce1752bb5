"""An endpoint that cannot be reached fails fast, in one line naming the registry and endpoint.

botocore retries a failed connection like any other error (up to ten attempts with growing
pauses: tens of seconds of silence). Until the endpoint has answered once, regform stops after a
connect timeout (it already waited ``connect_timeout``), after three refused connections, or
after the first TLS handshake that fails (a plain-HTTP endpoint addressed with ``https://``, a
certificate not trusted: no retry changes that); once it has answered, a connection error is
retried as usual (a blip in a long run).
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, SSLError

from regform.errors import ProviderError, excerpt

#: refused connections tried before giving up on an endpoint that never answered.
REFUSED_ATTEMPTS = 3
#: what OpenSSL says when the other end answers in plain text, not TLS.
NOT_TLS = ("WRONG_VERSION_NUMBER", "wrong version number", "record layer failure", "http request")
#: the error's characters quoted when the handshake failed otherwise.
REASON_CHARS = 120


def tls_problem(error: SSLError) -> str:
    """Why a TLS handshake failed, and what to do about it, in a few words."""
    reason = str(getattr(error, "kwargs", {}).get("error", "") or error)
    if any(words in reason for words in NOT_TLS):
        return (
            "the endpoint does not speak TLS: use http:// (allow_http beyond loopback) "
            "or check the port"
        )
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return "its certificate is not trusted"
    return excerpt(reason, REASON_CHARS)


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
        failed = EndpointConnectionError | ConnectTimeoutError | SSLError
        if not isinstance(caught_exception, failed):
            self._reached.set()  # an answer (even an error) came back
            return
        if self._reached.is_set():
            return
        endpoint = getattr(caught_exception, "kwargs", {}).get("endpoint_url", "")
        where = f"registry {self.registry!r}: {operation.name + ': ' if operation else ''}"
        if isinstance(caught_exception, SSLError):
            raise ProviderError(
                f"{where}TLS failed with {endpoint or 'its endpoint'}: "
                f"{tls_problem(caught_exception)}"
            )
        timed_out = isinstance(caught_exception, ConnectTimeoutError)
        if timed_out or attempts >= REFUSED_ATTEMPTS:
            why = "no answer" if timed_out else "connection refused or no route"
            raise ProviderError(f"{where}cannot reach {endpoint or 'its endpoint'} ({why})")
