"""ECR credentials: ``GetAuthorizationToken`` with the registry's own credential chain.

The clients come from :func:`regform.providers.ecr.session.build_clients`, so a login uses exactly
the profile, assumed role (with external id) and endpoint that plan and apply use. The token is
``base64("AWS:<password>")``; its host is the proxy endpoint's (the declared ``account_id``'s when
the credentials reach another account's registry).
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from regform.errors import ProviderError
from regform.model import RegistryConfig
from regform.providers.credential import Credential
from regform.providers.ecr.hosts import ecr_host
from regform.providers.ecr.session import ConnectionSettings, build_clients


def ecr_credential(reg: RegistryConfig, *, check: bool = True) -> Credential:
    """A fresh ECR token for ``reg`` (getting it is the check); a one-line
    :class:`ProviderError` naming the registry otherwise."""
    where = f"registry {reg.name}"
    if reg.connection.get("sandbox"):
        raise ProviderError(f"{where}: a sandbox registry has no endpoint to log in to")
    settings = ConnectionSettings.from_mapping(reg.connection)
    try:
        clients = build_clients(settings)
        answer = clients.ecr.get_authorization_token()
    except ClientError as exc:
        error = exc.response.get("Error", {})
        operation = exc.operation_name
        raise ProviderError(
            f"{where}: {operation} failed: {error.get('Code', '?')}: {error.get('Message', '')}"
        ) from None
    except BotoCoreError as exc:
        raise ProviderError(f"{where}: cannot get an ECR token: {exc}") from None
    except ProviderError as exc:
        raise ProviderError(f"{where}: {exc}") from None
    data = answer.get("authorizationData") or []
    if not data:
        raise ProviderError(f"{where}: GetAuthorizationToken returned no token")
    return _credential(reg, data[0])


def _credential(reg: RegistryConfig, data: Any) -> Credential:
    where = f"registry {reg.name}"
    try:
        decoded = base64.b64decode(str(data["authorizationToken"]), validate=True).decode()
    except (KeyError, binascii.Error, UnicodeDecodeError):
        raise ProviderError(f"{where}: GetAuthorizationToken returned no usable token") from None
    username, sep, password = decoded.partition(":")
    if not sep or not password:
        raise ProviderError(f"{where}: GetAuthorizationToken returned no usable token")
    host = urlsplit(str(data.get("proxyEndpoint", ""))).netloc.lower()
    account, region = reg.connection.get("account_id"), reg.connection.get("region")
    if account and region and (not host or host.split(".", 1)[0] != str(account)):
        host = ecr_host(str(account), str(region))
    if not host:
        raise ProviderError(f"{where}: GetAuthorizationToken returned no proxy endpoint")
    expires = data.get("expiresAt")
    if isinstance(expires, datetime) and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return Credential(
        reg.name, host, username, password, expires if isinstance(expires, datetime) else None
    )
