"""One registry credential: the user name and secret a client sends to one host."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Credential:
    """What ``regform login`` writes and the credential helper answers. The secret is never
    part of ``repr``; print :attr:`host`, :attr:`registry` and :attr:`expires_at` only."""

    registry: str
    #: the auth-file key (``host[:port]``, or Docker Hub's ``https://index.docker.io/v1/``).
    key: str
    username: str
    secret: str = field(repr=False)
    #: when the registry stops accepting it (ECR tokens), None when it does not expire.
    expires_at: datetime | None = None

    @property
    def auth(self) -> str:
        """``base64(username:secret)``, the ``auth`` field of auth files."""
        return base64.b64encode(f"{self.username}:{self.secret}".encode()).decode("ascii")

    def entry(self) -> dict[str, str]:
        """The auth-file entry (docker config and containers auth.json)."""
        return {"auth": self.auth}
