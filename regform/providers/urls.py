"""URLs in the config and on the command line: no credentials in them, and plain http only where
it cannot leak credentials (a loopback emulator) or where the registry says ``allow_http: true``."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from regform.model import RegistryConfig


def userinfo_problem(url: str, options: str) -> str | None:
    """Why ``url`` may not be used because it holds a user name or password (never echoed);
    ``options``: how the registry takes credentials instead."""
    netloc = urlsplit(url).netloc if "://" in url else ""
    if "@" not in netloc:
        return None
    return (
        "a URL must not hold a user name or password (user:password@host); "
        f"give credentials through {options}"
    )


def url_host(registry: RegistryConfig) -> str | None:
    """``host[:port]`` of a registry declared by ``url``: the key of its auth-file entry."""
    return urlsplit(str(registry.connection.get("url", ""))).netloc.lower() or None


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_remote(url: str) -> bool:
    """``url`` is plain http to a host other than this machine (credentials travel unencrypted)."""
    return url.lower().startswith("http://") and not is_loopback(url)


HTTP_WARNING = (
    "registry %s: endpoint %s is plain http: request signatures and the session token travel "
    "unencrypted (allow_http: true)"
)
