"""Harbor credentials: the user (or robot account) and password the registry entry names with
``username_env`` / ``password_env``, checked against Harbor before use."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from regform.errors import ProviderError, unset_variables
from regform.model import RegistryConfig
from regform.providers.credential import Credential
from regform.providers.harbor.provider import HarborProvider


def harbor_credential(
    reg: RegistryConfig, *, check: bool = True, env: Mapping[str, str] | None = None
) -> Credential:
    """The declared credentials of ``reg``; with ``check``, Harbor must accept them."""
    environ = os.environ if env is None else env
    conn = reg.connection
    names = [str(conn.get("username_env") or ""), str(conn.get("password_env") or "")]
    if not all(names):
        raise ProviderError(
            f"registry {reg.name}: no credentials declared (username_env, password_env)"
        )
    missing = [name for name in names if not environ.get(name)]
    if missing:
        raise ProviderError(f"registry {reg.name}: {unset_variables(missing)}")
    if check:
        with HarborProvider.from_config(reg) as provider:
            provider.check_identity()
    host = urlsplit(str(conn.get("url", ""))).netloc.lower()
    return Credential(reg.name, host, environ[names[0]], environ[names[1]])
