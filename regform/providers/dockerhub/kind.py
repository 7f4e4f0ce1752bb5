"""What the Docker Hub registry declares: credentials only, no repositories or settings."""

from __future__ import annotations

from regform.model import Capabilities
from regform.providers.base import ConfigProblem, ProviderKind, RegistryEntry

#: the key docker writes Docker Hub credentials under (containers/image reads it too).
DOCKER_HUB_KEY = "https://index.docker.io/v1/"

CAPABILITIES = Capabilities(
    fields=frozenset(), can_create=False, can_delete=False, credentials_only=True
)

#: registry keys about repositories and registry settings, which a credentials-only registry
#: cannot have (the registry keys of the config language other than ``provider``).
MANAGEMENT_KEYS = (
    "scope",
    "prune",
    "ownership",
    "force_delete",
    "safety",
    "cache_suffix",
    "settings",
)


def check_registry(entry: RegistryEntry) -> list[ConfigProblem]:
    if not isinstance(entry.value, dict):
        return []
    return [
        ((key,), f"'{key}' needs repositories; provider dockerhub holds credentials only", True)
        for key in MANAGEMENT_KEYS
        if key in entry.value
    ]


KIND = ProviderKind(
    name="dockerhub",
    capabilities=CAPABILITIES,
    package="regform.providers.dockerhub",
    factory=None,
    credential="regform.providers.dockerhub.credential:dockerhub_credential",
    auth_key=lambda registry: DOCKER_HUB_KEY,
    check_registry=check_registry,
)
