"""``regform login``: credentials of declared registries written into a client auth file.

Every credential is fetched first; the file is written once, and only when all of them were
obtained (a failure names its registry and writes nothing). With ``helper`` the file gets
``credHelpers`` entries pointing at ``docker-credential-regform`` instead of secrets, and the ECR
tokens fetched on the way are cached for the helper.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from regform.config.suggest import unknown_registries
from regform.credentials.authfile import HELPER_NAME, update_auth_file
from regform.credentials.cache import TokenCache
from regform.credentials.sources import fetch_credential
from regform.errors import RegformError
from regform.model import Config, RegistryConfig
from regform.providers.credential import Credential


@dataclass(frozen=True, slots=True)
class LoginResult:
    """What was written for one registry (never the secret)."""

    registry: str
    key: str
    expires_at: datetime | None
    helper: bool

    def to_dict(self) -> dict[str, object]:
        return {
            "registry": self.registry,
            "host": self.key,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "credential_helper": HELPER_NAME if self.helper else None,
        }


def select_registries(config: Config, names: Sequence[str] | None) -> list[RegistryConfig]:
    """The named registries (all declared ones when ``names`` is empty), credentials-only
    registries included; an unknown name is an error listing the declared ones."""
    declared = config.all_registries()
    if not names:
        return list(declared.values())
    unknown = [n for n in dict.fromkeys(names) if n not in declared]
    if unknown:
        raise unknown_registries(unknown, declared)
    return [declared[n] for n in sorted(set(names))]


def fetch_all(registries: Iterable[RegistryConfig], *, check: bool = True) -> list[Credential]:
    """A credential per registry, or one error whose lines each name a failed registry."""
    found: list[Credential] = []
    problems: list[str] = []
    for reg in registries:
        try:
            found.append(fetch_credential(reg, check=check))
        except RegformError as exc:
            problems.append(str(exc))
    if problems:
        raise RegformError("\n".join(problems))
    return found


def login(
    config: Config,
    path: Path,
    *,
    names: Sequence[str] | None = None,
    helper: bool = False,
    cache: TokenCache | None = None,
) -> list[LoginResult]:
    """Log in to the selected registries by writing ``path``; returns what was written."""
    credentials = fetch_all(select_registries(config, names))
    if helper:
        for cred in credentials:
            if cache is not None and cred.expires_at is not None:
                cache.put(cred)
        update_auth_file(path, helpers={c.key: HELPER_NAME for c in credentials})
    else:
        entries: Mapping[str, Mapping[str, str]] = {c.key: c.entry() for c in credentials}
        update_auth_file(path, auths=entries)
    return [LoginResult(c.registry, c.key, c.expires_at, helper) for c in credentials]
