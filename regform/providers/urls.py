"""URLs in the config and on the command line: no credentials in them, and plain http only where
it cannot leak credentials (a loopback emulator) or where the registry says ``allow_http: true``."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from regform.model import RegistryConfig
from regform.providers.base import ConfigProblem, RegistryEntry

#: the longest URL a registry is declared with.
MAX_URL = 2048


def url_problem(url: str, options: str) -> str | None:
    """Why ``url`` may not be used (None when it may): too long, a control character, a space
    or a line break in it, a host that is no host name, a port out of range, or a user name or
    password in it (never echoed); ``options``: how the registry takes credentials instead."""
    if len(url) > MAX_URL:
        return f"is {len(url):,} characters long (a registry URL is at most {MAX_URL:,})"
    if not url.isprintable() or any(c.isspace() for c in url):
        return "holds a control character, a space or a line break"
    try:
        parts = urlsplit(url)
    except ValueError:  # a bracketed host that is no IPv6 address
        return "is not a URL (its host cannot be read)"
    try:
        parts.port  # noqa: B018 -- raises ValueError when out of range
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    if "://" in url and "@" in parts.netloc:
        return (
            "a URL must not hold a user name or password (user:password@host); "
            f"give credentials through {options}"
        )
    host = parts.hostname or ""
    if "://" in url and not _is_host(host):
        return "names no host (a host name is letters, digits, dots and hyphens, or an IP address)"
    return None


def url_key_problems(entry: RegistryEntry, options: str) -> list[ConfigProblem]:
    """The problem of a registry entry's ``url`` key, if any: :func:`url_problem`, or plain
    ``http://`` without ``allow_http: true``."""
    url = entry.get("url")
    if not isinstance(url, str):
        return []
    problem = url_problem(url, options)
    if problem is None and url.startswith("http://") and entry.get("allow_http") is not True:
        problem = "a plain http:// URL needs allow_http: true"
    return [(("url",), problem, False)] if problem is not None else []


def _is_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return bool(host) and all(
        label and not label.startswith("-") and all(c.isalnum() or c == "-" for c in label)
        for label in labels
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
