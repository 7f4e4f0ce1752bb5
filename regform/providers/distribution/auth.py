"""Credentials and authentication helpers for OCI distribution registries.

Credentials never come from the config itself. A registry's ``credentials`` mapping names where
they are:

* ``{username_env: NAME, password_env: NAME}``: two environment variables;
* ``{docker_config: PATH}``: a docker ``config.json`` (``auths.<host>.auth`` holds base64
  ``user:password``); ``docker_config: default`` means ``$DOCKER_CONFIG/config.json`` or
  ``~/.docker/config.json``.

This module also parses ``WWW-Authenticate`` challenges and caches bearer tokens per scope. Nothing
here logs or prints a secret; :class:`Credentials` hides the password in its ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from regform.errors import ProviderError, unset_variables
from regform.files import FileProblem, read_limited


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str = field(repr=False)
    #: where they came from, for messages ("environment REG_USER/REG_PASSWORD").
    source: str = ""


def resolve_credentials(
    spec: Mapping[str, Any] | None,
    registry_url: str,
    *,
    registry: str = "",
    env: Mapping[str, str] | None = None,
) -> Credentials | None:
    """The credentials ``spec`` points at, or None when the registry is used anonymously."""
    if not spec:
        return None
    environ = os.environ if env is None else env
    where = f"registry {registry}: " if registry else ""
    user_var, pass_var = spec.get("username_env"), spec.get("password_env")
    docker_config = spec.get("docker_config")
    if docker_config and (user_var or pass_var):
        raise ProviderError(
            f"{where}credentials: use either username_env/password_env or docker_config, not both"
        )
    if user_var or pass_var:
        if not (user_var and pass_var):
            raise ProviderError(
                f"{where}credentials: username_env and password_env must be given together"
            )
        missing = [v for v in (user_var, pass_var) if not environ.get(str(v))]
        if missing:
            raise ProviderError(f"{where}credentials: {unset_variables([str(v) for v in missing])}")
        return Credentials(
            environ[str(user_var)],
            environ[str(pass_var)],
            source=f"environment {user_var}/{pass_var}",
        )
    if docker_config:
        path = default_docker_config(environ) if docker_config == "default" else docker_config
        return docker_config_credentials(Path(str(path)).expanduser(), registry_url, where=where)
    return None


def default_docker_config(env: Mapping[str, str]) -> Path:
    base = env.get("DOCKER_CONFIG")
    return Path(base) / "config.json" if base else Path.home() / ".docker" / "config.json"


def _auth_key_host(key: str) -> str:
    """``https://host:5000/v1/`` or ``host:5000`` -> ``host:5000``."""
    if "://" in key:
        return urlsplit(key).netloc.lower()
    return key.split("/", 1)[0].lower()


#: docker config files hold a few entries; reads stop there (a FIFO or device is refused).
DOCKER_CONFIG_LIMIT = 5 * 1024 * 1024


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def docker_config_credentials(path: Path, registry_url: str, *, where: str = "") -> Credentials:
    """The ``auths`` entry of a docker config file for the registry's host."""
    host = urlsplit(registry_url).netloc.lower()
    if not path.exists() and not path.is_symlink():
        raise ProviderError(f"{where}docker config {path} does not exist")
    try:
        data = json.loads(read_limited(str(path), DOCKER_CONFIG_LIMIT, what="docker configs"))
    except (FileProblem, ValueError) as exc:
        raise ProviderError(f"{where}cannot read docker config {path}: {exc}") from None
    except RecursionError:
        raise ProviderError(f"{where}cannot read docker config {path}: nested too deeply") from None
    auths = data.get("auths") if isinstance(data, dict) else None
    entry: Any = None
    if isinstance(auths, dict):
        for key, value in auths.items():
            if _auth_key_host(str(key)) == host:
                entry = value
                break
    if not isinstance(entry, dict):
        helper = isinstance(data, dict) and (
            host in _mapping(data.get("credHelpers")) or data.get("credsStore")
        )
        hint = (
            " (credential helpers and credsStore are not supported: use username_env/password_env)"
            if helper
            else ""
        )
        raise ProviderError(f"{where}docker config {path} has no auths entry for {host}{hint}")
    if entry.get("username") and entry.get("password"):
        return Credentials(str(entry["username"]), str(entry["password"]), f"docker config {path}")
    auth = entry.get("auth")
    if not isinstance(auth, str) or not auth:
        raise ProviderError(f"{where}docker config {path}: auths entry for {host} has no 'auth'")
    try:
        decoded = base64.b64decode(auth, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise ProviderError(
            f"{where}docker config {path}: auths entry for {host} is not base64 user:password"
        ) from None
    user, sep, password = decoded.partition(":")
    if not sep or not user:
        raise ProviderError(
            f"{where}docker config {path}: auths entry for {host} is not base64 user:password"
        )
    return Credentials(user, password, source=f"docker config {path}")


def basic_header(credentials: Credentials) -> str:
    raw = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


# Challenges ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Challenge:
    scheme: str  # lower case: "basic" | "bearer" | ...
    params: Mapping[str, str]


_SCHEME = re.compile(r"\s*([A-Za-z][A-Za-z0-9._~+/-]*)(?:\s+|$)")
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(,)?')


def parse_challenges(header: str | None) -> list[Challenge]:
    """``WWW-Authenticate`` -> challenges (RFC 7235; quoted values may contain commas)."""
    out: list[Challenge] = []
    text = header or ""
    pos = 0
    while pos < len(text):
        while pos < len(text) and text[pos] in " ,":
            pos += 1
        m = _SCHEME.match(text, pos)
        if not m:
            break
        scheme, pos = m.group(1).lower(), m.end()
        params: dict[str, str] = {}
        while pos < len(text):
            p = _PARAM.match(text, pos)
            if not p:
                break
            value = p.group(2)
            value = re.sub(r"\\(.)", r"\1", value) if value is not None else p.group(3)
            params[p.group(1).lower()] = value
            pos = p.end()
            if not p.group(4):
                break
        out.append(Challenge(scheme, params))
    return out


# Bearer tokens ------------------------------------------------------------------------------

#: tokens without ``expires_in`` live 60 seconds (distribution token spec).
DEFAULT_TOKEN_LIFETIME = 60.0


@dataclass(frozen=True, slots=True)
class Token:
    value: str = field(repr=False)
    expires_at: float  # time.monotonic() clock

    def fresh(self, now: float) -> bool:
        return now < self.expires_at


def token_from_response(data: Any, now: float) -> Token:
    """A token endpoint's JSON answer -> Token, expiring a little before the server says."""
    if not isinstance(data, dict):
        raise ValueError("token response is not a JSON object")
    value = data.get("token") or data.get("access_token")
    if not isinstance(value, str) or not value:
        raise ValueError("token response has no token")
    lifetime = data.get("expires_in")
    seconds = (
        float(lifetime)
        if isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0
        else DEFAULT_TOKEN_LIFETIME
    )
    margin = min(10.0, seconds / 10)
    return Token(value, now + seconds - margin)


class TokenCache:
    """Bearer tokens by (realm, service, scope). Thread-safe."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], Token] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> Token | None:
        with self._lock:
            token = self._tokens.get(key)
        if token is not None and token.fresh(time.monotonic()):
            return token
        return None

    def put(self, key: tuple[str, str, str], token: Token) -> None:
        with self._lock:
            self._tokens[key] = token

    def drop(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)
