"""HTTP client for the OCI distribution API (``/v2/``): TLS, authentication, pagination, errors.

Authentication follows the registry's challenges. A request goes out without credentials until the
registry answers 401 with ``WWW-Authenticate``:

* ``Basic``: the configured credentials are sent from then on;
* ``Bearer realm=...,service=...,scope=...``: a token for that scope is fetched from the realm
  (with the credentials as HTTP basic, or anonymously) and cached per scope until shortly before it
  expires; later requests for the same scope send the cached token straight away.

Credentials and tokens are never logged. Plain ``http://`` (for the registry and for a token realm)
is refused unless ``allow_http`` is set.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from regform.errors import IdentityError, ProviderError
from regform.providers.base import CallCounts
from regform.providers.distribution.auth import (
    Challenge,
    Credentials,
    TokenCache,
    basic_header,
    parse_challenges,
    token_from_response,
)
from regform.version import __version__

log = logging.getLogger(__name__)

#: seconds to wait for a connection and for each read.
DEFAULT_TIMEOUT = (10.0, 60.0)


def _retry() -> Retry:
    """Transient failures of idempotent reads are retried with backoff; writes never are."""
    return Retry(
        total=4,
        connect=3,
        read=2,
        status=3,
        backoff_factor=0.3,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "HEAD"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def check_url(url: str, *, allow_http: bool, what: str = "url") -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderError(f"{what} {url!r} is not an http(s) URL")
    if parts.scheme == "http" and not allow_http:
        raise ProviderError(
            f"{what} {url} uses plain http: credentials and images would travel unencrypted; "
            "use https, or set allow_http: true for this registry"
        )


def pooled_session(verify: bool | str, pool_size: int = 16) -> requests.Session:
    """A pooled session with regform's User-Agent, retrying connection errors and 5xx answers
    (shared by the HTTP clients of the registries regform speaks to)."""
    session = requests.Session()
    session.verify = verify
    session.headers["User-Agent"] = f"regform/{__version__}"
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size, max_retries=_retry())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class PooledClient:
    """What the registries' HTTP clients share: a pooled session and the calls made, by
    operation."""

    def __init__(self, verify: bool | str, pool_size: int = 16) -> None:
        self.session = pooled_session(verify, pool_size)
        self._calls = CallCounts()

    def calls(self) -> dict[str, int]:
        return self._calls.snapshot()

    def close(self) -> None:
        self.session.close()


class RegistryClient(PooledClient):
    """One registry endpoint: a pooled :class:`requests.Session` plus auth state. Thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        registry: str,
        credentials: Credentials | None = None,
        verify: bool | str = True,
        allow_http: bool = False,
        pool_size: int = 16,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        check_url(url, allow_http=allow_http)
        self.registry = registry
        self.url = url.rstrip("/")
        self.base = self.url + "/v2/"
        self.credentials = credentials
        self.allow_http = allow_http
        self.timeout = timeout
        #: passed with every request: requests lets REQUESTS_CA_BUNDLE override Session.verify.
        self.verify = verify
        super().__init__(verify, pool_size)
        self._origin = urlsplit(self.base).netloc
        self._lock = threading.Lock()
        self._token_lock = threading.Lock()
        self._mode: str | None = None  # "basic" | "bearer" once the registry has said so
        self._realm: tuple[str, str] | None = None  # (realm, service) of the bearer challenge
        self._aliases: dict[str, str] = {}  # scope we asked for -> scope the registry wants
        self._tokens = TokenCache()

    # Requests -------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        scope: str | None = None,
        expect: Collection[int] = (200,),
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        """Send one API request, answering an authentication challenge once.

        ``path`` is relative to ``/v2/`` or an absolute URL on the same origin (``Link``).
        Any status outside ``expect`` raises :class:`ProviderError`.
        """
        url = self._resolve(path)
        sent = self._authorization(scope)
        resp = self._send(method, url, op, headers, sent, params, stream)
        if resp.status_code == 401:
            answer = self._answer_challenge(resp, scope, sent)
            resp.close()
            resp = self._send(method, url, op, headers, answer, params, stream)
            if resp.status_code == 401:
                resp.close()
                raise self._denied(resp, scope)
        if resp.status_code not in expect:
            error = self.error(resp, f"{method} {urlsplit(url).path}")
            resp.close()
            raise error
        return resp

    def paginate(
        self, path: str, *, op: str, key: str, scope: str, page_size: int
    ) -> Iterator[str]:
        """Items of a paginated list (``_catalog``, ``tags/list``), following ``Link: rel=next``."""
        url: str | None = path
        params: dict[str, Any] | None = {"n": page_size}
        seen: set[str] = set()
        while url is not None:
            resp = self.request("GET", url, op=op, scope=scope, params=params)
            data = self.json(resp, op)
            items = data.get(key) if isinstance(data, dict) else None
            yield from (str(i) for i in items or ())
            nxt = resp.links.get("next", {}).get("url")
            url, params = None, None
            if nxt:
                url = urljoin(resp.url, nxt)
                if url in seen:
                    raise ProviderError(f"registry {self.registry}: {op} pagination loops at {url}")
                seen.add(url)

    def json(self, resp: requests.Response, op: str) -> Any:
        try:
            return resp.json()
        except ValueError:
            raise ProviderError(
                f"registry {self.registry}: {op} answered with something other than JSON"
            ) from None

    def _resolve(self, path: str) -> str:
        if "://" not in path:
            return self.base + path.lstrip("/")
        if urlsplit(path).netloc != self._origin:
            raise ProviderError(
                f"registry {self.registry}: refusing to follow a link to another host ({path})"
            )
        return path

    def _send(
        self,
        method: str,
        url: str,
        op: str,
        headers: Mapping[str, str] | None,
        authorization: str | None,
        params: Mapping[str, Any] | None,
        stream: bool,
    ) -> requests.Response:
        all_headers = dict(headers or {})
        if authorization:
            all_headers["Authorization"] = authorization
        self._calls.add(op)
        log.debug("%s %s", method, urlsplit(url).path)
        try:
            return self.session.request(
                method,
                url,
                headers=all_headers,
                params=params,
                stream=stream,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=True,
            )
        except requests.exceptions.SSLError as exc:
            raise ProviderError(
                f"registry {self.registry}: TLS verification of {self.url} failed ({exc}); "
                "set ca_cert to the CA bundle that signed its certificate"
            ) from None
        except requests.exceptions.Timeout:
            raise ProviderError(f"registry {self.registry}: {self.url} timed out ({op})") from None
        except requests.exceptions.ConnectionError as exc:
            raise ProviderError(
                f"registry {self.registry}: cannot reach {self.url}: {exc}"
            ) from None

    # Errors ---------------------------------------------------------------------------------

    def error(self, resp: requests.Response, what: str) -> ProviderError:
        """A ProviderError naming the registry, the request and the registry's error codes."""
        detail = ""
        try:
            data = resp.json()
        except ValueError:
            data = None
        errors = data.get("errors") if isinstance(data, dict) else None
        if isinstance(errors, list) and errors:
            parts = []
            for e in errors:
                if isinstance(e, dict):
                    parts.append(f"{e.get('code', '?')}: {e.get('message', '')}".rstrip(": "))
            detail = "; ".join(parts)
        text = f"registry {self.registry}: {what} failed with HTTP {resp.status_code}"
        return ProviderError(f"{text} ({detail})" if detail else text)

    def _denied(self, resp: requests.Response, scope: str | None) -> ProviderError:
        bearer = _challenge(parse_challenges(resp.headers.get("WWW-Authenticate")), "bearer")
        wanted = (bearer.params.get("scope") if bearer else None) or scope
        who = f" for {self.credentials.username}" if self.credentials else " (anonymous)"
        if self._mode == "basic":
            return IdentityError(
                f"registry {self.registry} rejected the credentials from "
                f"{self.credentials.source if self.credentials else 'nowhere'}"
            )
        return ProviderError(
            f"registry {self.registry}: access denied{who}"
            + (f": the token grants no {wanted}" if wanted else "")
        )

    # Authentication -------------------------------------------------------------------------

    def _authorization(self, scope: str | None) -> str | None:
        if self._mode == "basic" and self.credentials is not None:
            return basic_header(self.credentials)
        if self._mode == "bearer" and self._realm is not None and scope is not None:
            realm, service = self._realm
            return "Bearer " + self._token(realm, service, self._aliases.get(scope, scope))
        return None

    def _answer_challenge(
        self, resp: requests.Response, scope: str | None, sent: str | None
    ) -> str:
        challenges = parse_challenges(resp.headers.get("WWW-Authenticate"))
        bearer = _challenge(challenges, "bearer")
        if bearer is not None:
            realm = bearer.params.get("realm")
            if not realm:
                raise ProviderError(f"registry {self.registry}: bearer challenge without a realm")
            service = bearer.params.get("service", "")
            wanted = bearer.params.get("scope") or scope or ""
            if sent and sent.startswith("Bearer "):
                if bearer.params.get("error") == "insufficient_scope":
                    raise self._denied(resp, scope)
                self._tokens.drop((realm, service, wanted))  # expired or revoked: fetch anew
            with self._lock:
                self._mode = "bearer"
                self._realm = (realm, service)
                if scope and wanted != scope:
                    self._aliases[scope] = wanted
            return "Bearer " + self._token(realm, service, wanted)
        basic = _challenge(challenges, "basic")
        if basic is not None:
            if self.credentials is None:
                raise ProviderError(
                    f"registry {self.registry} requires credentials: set credentials "
                    "{username_env, password_env} or {docker_config} for it"
                )
            if sent and sent.startswith("Basic "):
                raise self._denied(resp, scope)
            self._mode = "basic"
            return basic_header(self.credentials)
        raise ProviderError(
            f"registry {self.registry} answered 401 without a challenge regform understands"
        )

    def _token(self, realm: str, service: str, scope: str) -> str:
        key = (realm, service, scope)
        cached = self._tokens.get(key)
        if cached is not None:
            return cached.value
        with self._token_lock:
            cached = self._tokens.get(key)
            if cached is not None:
                return cached.value
            check_url(realm, allow_http=self.allow_http, what="token realm")
            params = {"service": service} if service else {}
            if scope:
                params["scope"] = scope
            headers = {}
            if self.credentials is not None:
                params["account"] = self.credentials.username
                headers["Authorization"] = basic_header(self.credentials)
            self._calls.add("GetToken")
            log.debug("token request for scope %s", scope)
            try:
                resp = self.session.get(
                    realm, params=params, headers=headers, timeout=self.timeout, verify=self.verify
                )
            except requests.exceptions.RequestException as exc:
                raise ProviderError(
                    f"registry {self.registry}: token service {realm} failed: {exc}"
                ) from None
            if resp.status_code in (401, 403):
                if self.credentials is None:
                    raise ProviderError(
                        f"registry {self.registry}: token service {realm} requires credentials"
                    )
                raise IdentityError(
                    f"registry {self.registry}: token service {realm} rejected the credentials "
                    f"from {self.credentials.source}"
                )
            if resp.status_code != 200:
                raise ProviderError(
                    f"registry {self.registry}: token service {realm} answered HTTP "
                    f"{resp.status_code}"
                )
            try:
                token = token_from_response(resp.json(), time.monotonic())
            except ValueError as exc:
                raise ProviderError(
                    f"registry {self.registry}: token service {realm}: {exc}"
                ) from None
            self._tokens.put(key, token)
            return token.value


def _challenge(challenges: list[Challenge], scheme: str) -> Challenge | None:
    return next((c for c in challenges if c.scheme == scheme), None)
