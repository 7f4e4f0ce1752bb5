"""Which host a declared registry's credentials are for, and which registry answers for a host.

Auth files key their entries by registry host (``registry.example.com:5000``), sometimes written
as a URL (``https://registry.example.com/v1/``); Docker Hub's own key is
``https://index.docker.io/v1/``. An ECR registry's host is ``ACCOUNT.dkr.ecr.REGION.amazonaws.com``:
known from the config when ``account_id`` is declared, otherwise from the token's proxy endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from regform.model import RegistryConfig

#: the key docker writes Docker Hub credentials under (containers/image reads it too).
DOCKER_HUB_KEY = "https://index.docker.io/v1/"
DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_ECR_HOST = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$"
)
#: paths an auth-file key may carry and still mean the whole host.
_HOST_PATHS = frozenset({"", "v1", "v2"})


def split_key(key: str) -> tuple[str, str]:
    """An auth-file key -> (normalized host, path below the host)."""
    text = key.strip()
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.netloc, parts.path
    else:
        host, _, path = text.partition("/")
    host = host.lower()
    if host in _HUB_ALIASES:
        host = DOCKER_HUB
    return host, path.strip("/")


def host_of(key: str) -> str:
    """The normalized host of an auth-file key or of a host a client asks for."""
    return split_key(key)[0]


def is_host_key(key: str) -> bool:
    """The key names a whole host (not one namespace or repository of it)."""
    return split_key(key)[1] in _HOST_PATHS


def ecr_host(account: str, region: str) -> str:
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


def declared_key(reg: RegistryConfig) -> str | None:
    """The auth-file key of a registry as far as the config tells (None: ECR without
    ``account_id``, whose host the token's proxy endpoint gives)."""
    conn = reg.connection
    if reg.provider == "ecr":
        account, region = conn.get("account_id"), conn.get("region")
        return ecr_host(str(account), str(region)) if account and region else None
    if reg.provider in ("distribution", "harbor"):
        return urlsplit(str(conn.get("url", ""))).netloc.lower() or None
    if reg.provider == "dockerhub":
        return DOCKER_HUB_KEY
    return None


def answers_for(reg: RegistryConfig, host: str) -> bool:
    """The registry's credentials are the ones for ``host`` (as a client asks for it)."""
    wanted = host_of(host)
    if reg.provider == "ecr":
        match = _ECR_HOST.match(wanted)
        if match is None or match["region"] != reg.connection.get("region"):
            return False
        account = reg.connection.get("account_id")
        return account is None or match["account"] == str(account)
    key = declared_key(reg)
    return key is not None and host_of(key) == wanted


def registry_for_host(registries: Mapping[str, RegistryConfig], host: str) -> RegistryConfig | None:
    """The declared registry answering for ``host``: one whose host the config spells out
    (account_id, url) before an ECR registry that only matches by region."""
    matching = [reg for _, reg in sorted(registries.items()) if answers_for(reg, host)]
    exact = [reg for reg in matching if declared_key(reg) is not None]
    found = exact or matching
    return found[0] if found else None
