"""Credentials of an OCI distribution registry: the ones its ``credentials`` mapping names
(environment variables or a docker config entry), checked against the registry before use."""

from __future__ import annotations

from urllib.parse import urlsplit

from regform.errors import ProviderError
from regform.model import RegistryConfig
from regform.providers.credential import Credential
from regform.providers.distribution.auth import resolve_credentials
from regform.providers.distribution.provider import DistributionProvider


def distribution_credential(reg: RegistryConfig, *, check: bool = True) -> Credential:
    """The declared credentials of ``reg``; with ``check``, the registry must accept them."""
    url = str(reg.connection.get("url", ""))
    found = resolve_credentials(reg.connection.get("credentials"), url, registry=reg.name)
    if found is None:
        raise ProviderError(
            f"registry {reg.name}: no credentials declared "
            "(credentials: {username_env, password_env} or {docker_config})"
        )
    if check:
        with DistributionProvider.from_config(reg) as provider:
            provider.check_identity()
    return Credential(reg.name, urlsplit(url).netloc.lower(), found.username, found.password)
