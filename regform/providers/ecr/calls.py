"""Calling AWS for the ECR provider: counting calls, retrying known transient errors, and turning
botocore errors into :class:`~regform.errors.ProviderError` that name the registry and operation."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from regform.errors import ProviderError
from regform.providers.ecr.deferred import Deferred
from regform.providers.ecr.session import DEFAULT_PARALLELISM
from regform.providers.ecr.throttle import Throttle

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Backoff:
    """Bounded exponential backoff: ``attempts`` tries in all, waiting ``base * 2**n`` (capped)."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 5.0

    def delays(self) -> list[float]:
        return [min(self.cap, self.base * 2**n) for n in range(self.attempts - 1)]


#: a new repository may read back as missing for a moment (ECR creates it asynchronously).
AFTER_CREATE = Backoff(attempts=6, base=0.5, cap=4.0)
#: IAM may take a minute to see a new principal named in a repository policy.
IAM_PROPAGATION = Backoff(attempts=10, base=1.0, cap=10.0)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")) or str(exc)


#: error codes of an operation the endpoint does not offer.
NOT_IMPLEMENTED_CODES = frozenset(
    {"NotImplemented", "NotImplementedException", "UnknownOperationException", "InvalidAction"}
)


def retrying_cannot_fix(exc: BaseException) -> bool:
    """Whether the error behind ``exc`` (it or its causes) is an answer that the same call
    repeated cannot change: an operation the endpoint does not implement (501, a not-implemented
    code, a 5xx whose body is no AWS error, such as an emulator's HTML error page) or a 4xx other
    than throttling."""
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, ClientError | NotImplementedError):
        cause = cause.__cause__
    if isinstance(cause, NotImplementedError):
        return True
    if cause is None:
        return False
    code = error_code(cause)
    status = int(cause.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if code in NOT_IMPLEMENTED_CODES or status == 501:
        return True
    if status >= 500:
        return code == str(status)  # no AWS error document: botocore names it by its status
    return 400 <= status < 500 and status != 429 and "Throttl" not in code


def is_not_found(exc: ClientError) -> bool:
    return error_code(exc) == "RepositoryNotFoundException"


def is_principal_not_ready(exc: ClientError) -> bool:
    """IAM has not yet seen a principal the policy names (or ECR says so in its generic way)."""
    if error_code(exc) != "InvalidParameterException":
        return False
    message = error_message(exc).lower()
    return "principal" in message or "invalid repository policy provided" in message


class ApiCaller:
    """Wraps every AWS call of one registry: counts them, keeps at most ``throttle.parallelism``
    of each operation in flight (fewer while AWS throttles), and translates errors.

    ``count`` is registered as a ``before-parameter-build`` handler on each client, so every
    operation botocore is asked to make (each page of a paginator, each retry regform makes) is
    counted once; a ``before-parameter-build`` handler runs even when a stub answers the call.
    Retries of throttled and transient errors are botocore's (its ``retries`` option).
    """

    def __init__(
        self,
        registry: str,
        *,
        sleep: Callable[[float], None] = time.sleep,
        throttle: Throttle | None = None,
    ) -> None:
        self.registry = registry
        self._sleep = sleep
        self.throttle = throttle or Throttle(DEFAULT_PARALLELISM)
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def watch(self, client: Any) -> None:
        """Count the calls ``client`` makes and learn when AWS throttles them (a
        :class:`Deferred` client: from when it is created)."""
        if isinstance(client, Deferred):
            client.on_create(self.watch)
            return
        client.meta.events.register(
            "before-parameter-build", self.count, unique_id=f"regform-count-{id(self)}"
        )
        self.throttle.watch(client)

    def count(self, model: Any = None, **_: Any) -> None:
        name = getattr(model, "name", None)
        if name:
            self.count_op(name)

    def count_op(self, name: str) -> None:
        """Count one call of operation ``name`` made without botocore's hooks."""
        with self._lock:
            self._counts[name] = self._counts.get(name, 0) + 1

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))

    def call(
        self,
        op: str,
        target: str,
        fn: Callable[..., T],
        /,
        *,
        retry_if: Callable[[ClientError], bool] | None = None,
        backoff: Backoff | None = None,
        **kwargs: Any,
    ) -> T:
        """Call ``fn(**kwargs)``; retry while ``retry_if`` says the error is transient."""
        delays = (backoff or Backoff()).delays() if retry_if is not None else []
        attempt = 0
        while True:
            try:
                with self.throttle.slot(op):
                    return fn(**kwargs)
            except ClientError as exc:
                if retry_if is not None and attempt < len(delays) and retry_if(exc):
                    log.debug(
                        "%s: %s on %s: %s, retrying", self.registry, op, target, error_code(exc)
                    )
                    self._sleep(delays[attempt])
                    attempt += 1
                    continue
                raise self.error(op, target, exc) from exc
            except BotoCoreError as exc:
                raise ProviderError(f"registry {self.registry!r}: {op} on {target}: {exc}") from exc

    def call_or_none(
        self, op: str, target: str, fn: Callable[..., T], /, absent: str, **kwargs: Any
    ) -> T | None:
        """Like :meth:`call`, but an error with code ``absent`` means "nothing there": None."""
        try:
            with self.throttle.slot(op):
                return fn(**kwargs)
        except ClientError as exc:
            if error_code(exc) == absent:
                return None
            raise self.error(op, target, exc) from exc
        except BotoCoreError as exc:
            raise ProviderError(f"registry {self.registry!r}: {op} on {target}: {exc}") from exc

    def error(self, op: str, target: str, exc: ClientError, hint: str = "") -> ProviderError:
        text = f"registry {self.registry!r}: {op} on {target} failed: {error_code(exc)}: "
        text += error_message(exc)
        if hint:
            text += f" ({hint})"
        return ProviderError(text)
