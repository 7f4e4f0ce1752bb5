"""Which host a declared registry's credentials are for, and which registry answers for a host.

Auth files key their entries by registry host (``registry.example.com:5000``), sometimes written
as a URL (``https://registry.example.com/v1/``); Docker Hub's own key is
``https://index.docker.io/v1/``. Each provider says which key its registries' credentials go
under and which hosts they answer for (``ProviderKind.auth_key`` and ``serves_host``: an ECR
registry answers for ``ACCOUNT.dkr.ecr.REGION.amazonaws.com`` in its region).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from regform.model import RegistryConfig
from regform.providers import KINDS

DOCKER_HUB = "docker.io"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
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


def declared_key(reg: RegistryConfig) -> str | None:
    """The auth-file key of a registry as far as the config tells (None: ECR without
    ``account_id``, whose host the token's proxy endpoint gives)."""
    return KINDS[reg.provider].auth_key(reg)


def answers_for(reg: RegistryConfig, host: str) -> bool:
    """The registry's credentials are the ones for ``host`` (as a client asks for it)."""
    wanted = host_of(host)
    serves = KINDS[reg.provider].serves_host
    if serves is not None:
        return serves(reg, wanted)
    key = declared_key(reg)
    return key is not None and host_of(key) == wanted


def registry_for_host(registries: Mapping[str, RegistryConfig], host: str) -> RegistryConfig | None:
    """The declared registry answering for ``host``: one whose host the config spells out
    (account_id, url) before an ECR registry that only matches by region."""
    matching = [reg for _, reg in sorted(registries.items()) if answers_for(reg, host)]
    exact = [reg for reg in matching if declared_key(reg) is not None]
    found = exact or matching
    return found[0] if found else None
