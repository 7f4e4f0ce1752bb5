"""ECR tokens kept between credential-helper calls, in a 0600 file under the user's cache
directory (``$XDG_CACHE_HOME/regform/ecr-tokens.json``, else ``~/.cache/regform/...``).

A token is used until shortly before it expires (:data:`REFRESH_MARGIN`); the clock is passed in,
so the expiry logic is the same in tests and in use.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from regform.credentials.files import read_private, write_private
from regform.credentials.hosts import host_of
from regform.providers.credential import Credential

Clock = Callable[[], datetime]
#: a cached token is not handed out when it expires within this time.
REFRESH_MARGIN = timedelta(minutes=15)
CACHE_FORMAT = 1


def default_cache_file(env: Mapping[str, str] | None = None) -> Path:
    environ = os.environ if env is None else env
    base = Path(environ["XDG_CACHE_HOME"]) if environ.get("XDG_CACHE_HOME") else None
    return (base or Path.home() / ".cache") / "regform" / "ecr-tokens.json"


class TokenCache:
    """Tokens by host. Every method reads the file afresh (several helpers may run at once)."""

    def __init__(self, path: Path, now: Clock) -> None:
        self.path = path
        self.now = now

    def _load(self) -> dict[str, Any]:
        text = read_private(self.path)
        try:
            data = json.loads(text) if text else {}
        except (ValueError, RecursionError):  # not a cache regform wrote: start afresh
            return {}
        ok = isinstance(data, dict) and data.get("format") == CACHE_FORMAT
        tokens = data.get("tokens") if ok else None
        return tokens if isinstance(tokens, dict) else {}

    def _save(self, tokens: dict[str, Any]) -> None:
        data = {"format": CACHE_FORMAT, "tokens": tokens}
        write_private(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def _fresh(self, expires_at: datetime | None) -> bool:
        if expires_at is None or expires_at.tzinfo is None:  # not written by regform
            return False
        return self.now() < expires_at - REFRESH_MARGIN

    def get(self, host: str) -> Credential | None:
        """The cached token for ``host`` while it is fresh, else None."""
        entry = self._load().get(host_of(host))
        if not isinstance(entry, dict):
            return None
        try:
            expires = datetime.fromisoformat(str(entry["expires_at"]))
            cred = Credential(
                str(entry["registry"]),
                host_of(host),
                str(entry["username"]),
                str(entry["secret"]),
                expires,
            )
        except (KeyError, ValueError):
            return None
        return cred if self._fresh(expires) else None

    def put(self, credential: Credential, host: str | None = None) -> bool:
        """Keep a token that will stay fresh for a while (under ``host``, default its key);
        stale entries are dropped. True when it was kept."""
        if credential.expires_at is None or not self._fresh(credential.expires_at):
            return False
        tokens = {k: v for k, v in self._load().items() if self._entry_fresh(v)}
        tokens[host_of(host or credential.key)] = {
            "registry": credential.registry,
            "username": credential.username,
            "secret": credential.secret,
            "expires_at": credential.expires_at.isoformat(),
        }
        self._save(tokens)
        return True

    def _entry_fresh(self, entry: Any) -> bool:
        try:
            return self._fresh(datetime.fromisoformat(str(entry["expires_at"])))
        except (KeyError, TypeError, ValueError):
            return False

    def drop(self, host: str) -> bool:
        tokens = self._load()
        if tokens.pop(host_of(host), None) is None:
            return False
        self._save(tokens)
        return True

    def usernames(self) -> dict[str, str]:
        """Host -> user name of every fresh token (no secrets)."""
        return {
            host: str(entry.get("username", ""))
            for host, entry in sorted(self._load().items())
            if self._entry_fresh(entry)
        }
