"""``docker-credential-regform``: the docker credential helper protocol, answered from the
regform config.

Clients (docker, podman, skopeo, buildah) run ``docker-credential-regform ACTION`` with the
request on stdin and read the answer on stdout:

* ``get``: stdin a host; stdout ``{"ServerURL", "Username", "Secret"}`` for the declared
  registry answering for that host (ECR tokens come from the cache while fresh); a host no
  registry answers for gets ``credentials not found in native keychain`` and exit 1;
* ``erase``: stdin a host; forgets its cached ECR token (the next ``get`` fetches a new one);
* ``list``: ``{"HOST": "USERNAME"}`` of the declared registries and cached tokens (no secrets);
* ``store``: refused (exit 1): credentials come from the config, not from ``docker login``.

The config is read from ``REGFORM_CONFIG`` (paths separated by ``:``), else ``regform.yaml`` in
the working directory. Errors are one line on stdout (where clients show them), never a secret.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from regform.credentials.cache import Clock, TokenCache, default_cache_file
from regform.credentials.hosts import declared_key, registry_for_host
from regform.credentials.sources import fetch_credential
from regform.errors import ConfigError, RegformError, excerpt
from regform.model import Config
from regform.providers import KINDS

#: the protocol's message for an unknown host (clients compare the text).
NOT_FOUND = "credentials not found in native keychain"
ACTIONS = ("get", "store", "erase", "list", "version")
DEFAULT_CONFIG = "regform.yaml"
#: the longest request read from stdin (a host name, or the JSON of ``store``).
MAX_REQUEST = 64 * 1024
#: the longest host name shown as it is in a message (longer ones, or any with control
#: characters, are shown as an escaped excerpt).
MAX_HOST = 255


@dataclass(frozen=True, slots=True)
class Answer:
    stdout: str
    code: int = 0


def config_paths(env: Mapping[str, str]) -> list[str]:
    value = env.get("REGFORM_CONFIG", "")
    return [p for p in value.split(":") if p] or [DEFAULT_CONFIG]


def _load(env: Mapping[str, str]) -> Config:
    from regform.config import load_config

    return load_config(config_paths(env), env=env)


def get(host: str, config: Config, cache: TokenCache) -> Answer:
    reg = registry_for_host(config.all_registries(), host)
    if reg is None:
        return Answer(NOT_FOUND + "\n", 1)
    credential = cache.get(host)
    if credential is None:
        credential = fetch_credential(reg, check=False)
        if credential.expires_at is not None:  # a token (ECR): kept until shortly before then
            cache.put(credential, host)
    body = {"ServerURL": host, "Username": credential.username, "Secret": credential.secret}
    return Answer(json.dumps(body) + "\n")


def listing(config: Config, cache: TokenCache) -> Answer:
    """``{host: user name}`` of the declared registries whose host the config tells, and of
    the cached tokens; user names a token always has need no token, the others are read where
    the registry's credentials are (never checked against the registry, never printed)."""
    hosts: dict[str, str] = dict(cache.usernames())
    for reg in config.all_registries().values():
        key = declared_key(reg)
        if not key or key in hosts:
            continue
        user = KINDS[reg.provider].token_username
        if user is None:
            try:
                user = fetch_credential(reg, check=False).username
            except RegformError:
                continue  # not logged in there: nothing to list
        hosts[key] = user
    return Answer(json.dumps(dict(sorted(hosts.items()))) + "\n")


def run(action: str, request: str, env: Mapping[str, str], cache: TokenCache) -> Answer:
    """Answer one protocol request (``request`` is what the client wrote on stdin)."""
    if action == "version":
        return Answer("docker-credential-regform (regform)\n")
    if action == "store":
        host = _stored_host(request)
        return Answer(
            f"regform: credentials for {host} come from the regform config; "
            "store is not supported\n",
            1,
        )
    if action == "erase":
        cache.drop(request.strip())
        return Answer("")
    config = _load(env)
    if action == "get":
        return get(request.strip(), config, cache)
    return listing(config, cache)


def _stored_host(request: str) -> str:
    try:
        data = json.loads(request)
    except (ValueError, RecursionError):
        return "this host"
    url = data.get("ServerURL") if isinstance(data, dict) else None
    if not isinstance(url, str) or not url:
        return "this host"
    return url if len(url) <= MAX_HOST and url.isprintable() else excerpt(url)


def read_request(stdin: TextIO) -> str:
    """The request on stdin; :class:`RegformError` when it is not UTF-8 text of at most
    :data:`MAX_REQUEST` characters (nothing of it is shown)."""
    try:
        request = stdin.read(MAX_REQUEST + 1)
    except UnicodeDecodeError:
        raise RegformError("the request on standard input is not UTF-8 text") from None
    if len(request) > MAX_REQUEST:
        raise RegformError(
            f"the request on standard input is longer than {MAX_REQUEST:,} characters"
        )
    return request


def main(
    argv: list[str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    now: Clock | None = None,
) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = stdout or sys.stdout
    if len(args) != 1 or args[0] not in ACTIONS:
        out.write(f"usage: docker-credential-regform {'|'.join(ACTIONS)} (request on stdin)\n")
        return 1
    action = args[0]
    env = os.environ
    cache = TokenCache(default_cache_file(env), now or (lambda: datetime.now(UTC)))
    try:
        request = "" if action in ("list", "version") else read_request(stdin or sys.stdin)
        answer = run(action, request, env, cache)
    except ConfigError as exc:
        answer = Answer(f"regform: {_config_problem(exc, env)}\n", 1)
    except RegformError as exc:
        answer = Answer(f"regform: {str(exc).splitlines()[0]}\n", 1)
    out.write(answer.stdout)
    out.flush()
    return answer.code


def _config_problem(exc: ConfigError, env: Mapping[str, str]) -> str:
    """The first issue, how many there are, and (without ``REGFORM_CONFIG``) where the helper
    looked: clients run it in their own working directory, not the configuration's."""
    n = len(exc.issues)
    first = exc.issues[0] if exc.issues else ""
    counted = f"{n} error{'' if n == 1 else 's'}"
    if env.get("REGFORM_CONFIG"):
        return f"invalid config ({counted}): {first}"
    return (
        f"invalid config ({counted}; REGFORM_CONFIG is not set, so {DEFAULT_CONFIG} in "
        f"{os.getcwd()} was read: set it to the config's paths, separated by ':'): {first}"
    )


def console() -> None:
    """Entry point of the ``docker-credential-regform`` console script."""
    raise SystemExit(main())
