"""A lean caller for ECR's per-repository reads (ListTagsForResource, GetLifecyclePolicy,
GetRepositoryPolicy).

botocore spends about a millisecond of CPU on every call (event hooks, model-driven serialization
and parsing, endpoint rules resolved per call, the user agent rebuilt per call). A plan of a
registry with thousands of repositories makes three reads per repository, so that cost, not the
network, would bound how fast it reads. :class:`FastReader` makes the same requests for a
fraction of it, and keeps what matters from botocore:

* the request is the JSON 1.1 request botocore sends: ``POST`` to the URL botocore resolved for
  this client (endpoint rules, FIPS, dual-stack, ``endpoint_url``), ``X-Amz-Target:
  AmazonEC2ContainerRegistry_V20150921.<Op>``, ``Content-Type: application/x-amz-json-1.1``,
  botocore's ``User-Agent``, signed by botocore's ``SigV4Auth`` for the signing name and region
  botocore used, with the client's credentials (refreshed as botocore refreshes them);
* it goes through the client's own HTTP session: the same keep-alive connection pool, proxies,
  TLS settings and timeouts;
* a ``before-send`` hook on the client still sees the request and may answer it (moto's
  ``mock_aws``; the client-side rate limiter of botocore's adaptive retry mode);
* an error becomes a botocore :class:`~botocore.exceptions.ClientError` whose code is taken from
  ``__type`` as botocore takes it, so callers handle both paths alike;
* throttling (the throttling error codes and HTTP 429) and transient failures (HTTP 500, 502,
  503, 504, the timeout codes, broken connections) are retried like botocore's standard retry
  mode: exponential backoff with full jitter (``rand * min(scale * 2**n, 20 s)``, scale 1 s for
  throttling, 50 ms otherwise, at least ``x-amz-retry-after``), bounded by the client's
  ``max_attempts``; throttling also lowers how many reads are in flight
  (:class:`~regform.providers.ecr.throttle.ThrottleGate`).

What botocore resolved is learnt from botocore's own requests on the same client (a
``before-sign`` hook): the listing, which always comes first, is one. Until then, and on a client
that signs ECR requests with anything but SigV4, :meth:`FastReader.ready` is false and callers use
botocore.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSRequest
from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from regform.providers.ecr.throttle import ThrottleGate
from regform.providers.ecr.wire import Wire, wire_for

log = logging.getLogger(__name__)

TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
CONTENT_TYPE = "application/x-amz-json-1.1"

#: botocore's standard retry mode: error codes that mean "slow down" ...
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
THROTTLING_STATUS = frozenset({429})
#: ... and failures worth another try.
TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
TRANSIENT_STATUS = frozenset({500, 502, 503, 504})
THROTTLING_SCALE = 1.0
TRANSIENT_SCALE = 0.05
MAX_BACKOFF = 20.0
RETRY_AFTER_HEADER = "x-amz-retry-after"
RETRY_AFTER_MAX_EXTRA = 5.0
LEGACY_MAX_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class _Route:
    """Where and how botocore sends this client's ECR requests."""

    url: str
    signing_name: str
    region: str
    user_agent: str | None
    signer: Any  # botocore.signers.RequestSigner
    #: lean connections to ``url`` (None: botocore's HTTP session sends, e.g. through a proxy).
    wire: Wire | None


def error_code_from(status: int, body: Mapping[str, Any]) -> str:
    """The error code as botocore's JSON parser reads it (``__type``, else the HTTP status)."""
    code = str(body.get("__type") or status)
    if ":" in code:
        code = code.split(":", 1)[0]
    if "#" in code:
        code = code.rsplit("#", 1)[1]
    return code


def _json_body(content: bytes) -> dict[str, Any]:
    if not content:
        return {}
    try:
        parsed = json.loads(content)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get(RETRY_AFTER_HEADER)
    if value is None:
        return None
    try:
        seconds = int(value) / 1000.0
    except (TypeError, ValueError, OverflowError):
        return None
    return seconds if seconds >= 0 else None


class FastReader:
    """Sends ECR's per-repository reads for one botocore ECR client (see the module docstring).

    ``count`` is called once per call (not per retry), like the provider's botocore counting.
    """

    def __init__(
        self,
        client: Any,
        *,
        max_attempts: int,
        count: Callable[[str], None],
        concurrency: int = 64,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._session = _http_session(client)
        self._events = client.meta.events
        self._service = client.meta.service_model.service_id.hyphenize()
        self._max_attempts = max(1, max_attempts)
        self.gate = ThrottleGate(concurrency)
        self._max_idle = int(getattr(client.meta.config, "max_pool_connections", 10) or 10)
        self._count = count
        self._sleep = sleep
        self._rand = rand
        self._lock = threading.Lock()
        self._route: _Route | None = None
        if self._session is not None:
            self._events.register(
                f"before-sign.{self._service}", self._learn, unique_id=f"regform-fast-{id(self)}"
            )

    @property
    def ready(self) -> bool:
        """Whether botocore's route is known (until then, use botocore)."""
        return self._route is not None

    def _learn(
        self,
        request: Any = None,
        signing_name: str | None = None,
        region_name: str | None = None,
        signature_version: Any = None,
        request_signer: Any = None,
        **_: Any,
    ) -> None:
        if self._route is not None or request is None or request_signer is None:
            return
        if signature_version != "v4" or not signing_name or not region_name:
            return
        url = str(request.url).split("?", 1)[0]
        with self._lock:
            if self._route is None:
                self._route = _Route(
                    url=url,
                    signing_name=signing_name,
                    region=region_name,
                    user_agent=request.headers.get("User-Agent"),
                    signer=request_signer,
                    wire=wire_for(self._session, url, self._max_idle),
                )

    def call(self, op: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Make one call; the parsed JSON response. Raises what botocore would raise."""
        route = self._route
        if route is None or self._session is None:
            raise RuntimeError("FastReader.call before botocore's route is known")
        self._count(op)
        body = json.dumps(params, separators=(",", ":")).encode("utf-8")
        attempt = 1
        while True:
            ticket = self.gate.enter()
            try:
                status, headers, content = self._send(route, op, body)
            except (ConnectionError, HTTPClientError) as exc:
                self.gate.leave(ticket, throttled=False)
                if attempt >= self._max_attempts:
                    raise
                self._backoff(op, attempt, TRANSIENT_SCALE, None, type(exc).__name__)
                attempt += 1
                continue
            except BaseException:
                self.gate.leave(ticket, throttled=False)
                raise
            parsed = _json_body(content)
            if status < 300:
                self.gate.leave(ticket, throttled=False)
                return parsed
            code = error_code_from(status, parsed)
            throttled = code in THROTTLING_CODES or status in THROTTLING_STATUS
            self.gate.leave(ticket, throttled=throttled)
            if throttled:
                scale: float | None = THROTTLING_SCALE
            elif code in TRANSIENT_CODES or status in TRANSIENT_STATUS:
                scale = TRANSIENT_SCALE
            else:
                scale = None
            if scale is None or attempt >= self._max_attempts:
                raise self._client_error(op, status, headers, parsed, code, attempt, scale)
            self._backoff(op, attempt, scale, _retry_after(headers), code)
            attempt += 1

    def _send(self, route: _Route, op: str, body: bytes) -> tuple[int, Mapping[str, str], bytes]:
        headers = {"X-Amz-Target": TARGET_PREFIX + op, "Content-Type": CONTENT_TYPE}
        if route.user_agent:
            headers["User-Agent"] = route.user_agent
        request = AWSRequest(method="POST", url=route.url, data=body, headers=headers)
        auth = route.signer.get_auth_instance(route.signing_name, route.region, "v4")
        auth.add_auth(request)
        prepared = request.prepare()
        answered = self._events.emit_until_response(
            f"before-send.{self._service}.{op}", request=prepared
        )[1]
        if answered is None and route.wire is not None:
            return route.wire.post(prepared.headers.items(), body)
        response = answered if answered is not None else self._session.send(prepared)
        return int(response.status_code), response.headers, bytes(response.content or b"")

    def close(self) -> None:
        """Close idle connections."""
        route = self._route
        if route is not None and route.wire is not None:
            route.wire.close()

    def _backoff(
        self, op: str, attempt: int, scale: float, retry_after: float | None, why: str
    ) -> None:
        delay = self._rand() * min(scale * 2 ** (attempt - 1), MAX_BACKOFF)
        if retry_after is not None:
            delay = max(delay, min(retry_after, delay + RETRY_AFTER_MAX_EXTRA))
        log.debug("%s: %s, retrying in %.2fs (attempt %d)", op, why, delay, attempt + 1)
        self._sleep(delay)

    def _client_error(
        self,
        op: str,
        status: int,
        headers: Mapping[str, str],
        parsed: Mapping[str, Any],
        code: str,
        attempt: int,
        scale: float | None,
    ) -> ClientError:
        metadata: dict[str, Any] = {
            "HTTPStatusCode": status,
            "HTTPHeaders": {k.lower(): v for k, v in headers.items()},
            "RetryAttempts": attempt - 1,
        }
        request_id = headers.get("x-amzn-requestid")
        if request_id:
            metadata["RequestId"] = request_id
        if scale is not None:
            metadata["MaxAttemptsReached"] = True
        message = str(parsed.get("message", parsed.get("Message", "")))
        error = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": metadata}
        return ClientError(error, op)  # type: ignore[arg-type]


def _http_session(client: Any) -> Any:
    """The client's HTTP session (connection pool, proxies, TLS), or None when this botocore
    does not expose one: callers then stay on botocore."""
    endpoint = getattr(client, "_endpoint", None)
    session = getattr(endpoint, "http_session", None)
    return session if callable(getattr(session, "send", None)) else None


def max_attempts_of(client: Any) -> int:
    """The total attempts the client's retry configuration allows (botocore's legacy default,
    five, when it says nothing)."""
    retries = getattr(client.meta.config, "retries", None) or {}
    if "total_max_attempts" in retries:
        return int(retries["total_max_attempts"])
    if "max_attempts" in retries:
        return int(retries["max_attempts"]) + 1
    return LEGACY_MAX_ATTEMPTS
