"""Docker Hub credentials: a user name and an access token from two environment variables,
written under Docker's own key for the hub."""

from __future__ import annotations

import os
from collections.abc import Mapping

from regform.errors import ProviderError, unset_variables
from regform.model import RegistryConfig
from regform.providers.credential import Credential
from regform.providers.dockerhub.kind import DOCKER_HUB_KEY


def dockerhub_credential(
    reg: RegistryConfig, *, check: bool = True, env: Mapping[str, str] | None = None
) -> Credential:
    """The user name and token from the environment (Docker Hub is not asked: ``check`` has
    nothing to do)."""
    environ = os.environ if env is None else env
    spec = reg.connection.get("credentials") or {}
    names = [str(spec.get("username_env", "")), str(spec.get("token_env", ""))]
    missing = [name for name in names if not name or not environ.get(name)]
    if missing:
        raise ProviderError(f"registry {reg.name}: {unset_variables(missing)}")
    return Credential(reg.name, DOCKER_HUB_KEY, environ[names[0]], environ[names[1]])
