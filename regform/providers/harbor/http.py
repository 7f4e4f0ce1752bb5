"""HTTP client for Harbor's REST API (``/api/v2.0``): TLS, basic auth, paging, errors.

* **No cookies.** Harbor sets a session cookie even on basic-auth responses, and a request that
  sends one back must carry a CSRF token or a write fails with 403 (api-facts.md "CSRF"). The
  session's cookie jar refuses every cookie.
* Paging: ``page_size`` at most 100; ``Link: <...>; rel="next"`` is followed until it is missing.
* Creates answer 201 with ``Location: .../<id>``: :meth:`HarborClient.create` returns the id.
* Errors (``{"errors": [{"code", "message"}]}``) become :class:`ProviderError` naming the call
  and Harbor's code; the message is shortened and escaped, credentials are never logged.
"""

from __future__ import annotations

import http.cookiejar
import logging
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urljoin

import requests

from regform.errors import IdentityError, ProviderError
from regform.providers.distribution.http import DEFAULT_TIMEOUT, PooledClient, check_url

log = logging.getLogger(__name__)

API = "/api/v2.0/"
PAGE_SIZE = 100  # api-facts.md "Paging": at most 100
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')
MAX_MESSAGE = 200


class HarborError(ProviderError):
    """A Harbor API call failed; ``status`` and ``code`` say how."""

    def __init__(self, message: str, status: int, code: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def repo_path(name: str) -> str:
    """A repository name inside a project path: ``/`` is encoded twice (api-facts.md)."""
    return quote(quote(name, safe=""), safe="")


def _short(text: str) -> str:
    clean = text.encode("unicode_escape").decode("ascii")
    return clean if len(clean) <= MAX_MESSAGE else clean[:MAX_MESSAGE] + "..."


class HarborClient(PooledClient):
    """One Harbor endpoint: a pooled session without a cookie jar. Thread-safe."""

    def __init__(
        self,
        url: str,
        *,
        registry: str,
        auth: tuple[str, str] | None = None,
        verify: bool | str = True,
        allow_http: bool = False,
    ) -> None:
        check_url(url, allow_http=allow_http, what=f"registry {registry}: url")
        self.base = url.rstrip("/")
        self.registry = registry
        self.verify = verify
        super().__init__(verify)
        self.session.auth = auth
        self.session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        self.session.headers["Accept"] = "application/json"

    def request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        expect: tuple[int, ...] = (200,),
        headers: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One call; a status outside ``expect`` raises :class:`HarborError`."""
        self._calls.add(op)
        url = path if path.startswith("http") else self.base + API + path.lstrip("/")
        try:
            resp = self.session.request(
                method,
                url,
                params=params,
                json=body,
                headers=headers,
                timeout=DEFAULT_TIMEOUT,
                verify=self.verify,
            )
        except requests.exceptions.SSLError as exc:
            raise ProviderError(
                f"registry {self.registry}: TLS verification of {self.base} failed ({exc}); "
                "set ca_cert to the CA that signed its certificate"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise ProviderError(f"registry {self.registry}: {op} failed: {exc}") from None
        self.session.cookies.clear()
        if resp.status_code not in expect:
            raise self._error(resp, op)
        return resp

    def _error(self, resp: requests.Response, op: str) -> ProviderError:
        code, message = "", resp.reason or ""
        try:
            first = (resp.json().get("errors") or [{}])[0]
            code, message = str(first.get("code", "")), str(first.get("message", message))
        except (ValueError, AttributeError, IndexError):
            pass
        status = f"HTTP {resp.status_code} {code}".strip()
        text = f"registry {self.registry}: {op} failed: {status} {_short(message)}"
        if resp.status_code == 401:
            return IdentityError(text + " (check username_env / password_env)")
        return HarborError(text, resp.status_code, code)

    def get(self, path: str, *, op: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, op=op, params=params).json()

    def get_or_none(self, path: str, *, op: str) -> Any:
        resp = self.request("GET", path, op=op, expect=(200, 404))
        return None if resp.status_code == 404 else resp.json()

    def pages(
        self, path: str, *, op: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[Any]:
        """Every item of a paged list (``Link: rel="next"`` followed until it is missing)."""
        query: dict[str, Any] = {**(params or {}), "page": 1, "page_size": PAGE_SIZE}
        resp = self.request("GET", path, op=op, params=query)
        while True:
            yield from resp.json() or []
            found = _NEXT.search(resp.headers.get("Link", ""))
            if found is None:
                return
            resp = self.request("GET", urljoin(self.base + "/", found.group(1)), op=op)

    def create(self, path: str, body: Any, *, op: str) -> int:
        """POST; the new object's id, from the ``Location`` header."""
        resp = self.request("POST", path, op=op, body=body, expect=(201,))
        location = resp.headers.get("Location", "")
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if not tail.isdigit():
            raise ProviderError(f"registry {self.registry}: {op} returned no id ({location!r})")
        return int(tail)
