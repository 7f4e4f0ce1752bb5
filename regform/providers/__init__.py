"""The providers regform knows, and how to build one for a declared registry.

Each provider's package declares itself in its ``kind`` module (capabilities, config keys and
their schema, config rules, factory); that is plain data, so config validation reads it without
importing any provider's client library. Adding a provider adds one line to :data:`PROVIDERS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from regform.model import Capabilities
from regform.providers.distribution.kind import KIND as DISTRIBUTION
from regform.providers.dockerhub.kind import KIND as DOCKERHUB
from regform.providers.ecr.kind import KIND as ECR
from regform.providers.harbor.kind import KIND as HARBOR

if TYPE_CHECKING:
    from regform.model import Config, RegistryConfig
    from regform.providers.base import Provider, ProviderKind

PROVIDERS: tuple[ProviderKind, ...] = (
    ECR,
    DISTRIBUTION,
    DOCKERHUB,
    HARBOR,
)

KINDS: Mapping[str, ProviderKind] = {kind.name: kind for kind in PROVIDERS}
CAPABILITIES: Mapping[str, Capabilities] = {kind.name: kind.capabilities for kind in PROVIDERS}


def set_secret_destination(file: str | os.PathLike[str] | None, stdout: bool) -> None:
    """Where secrets a registry returns only once (Harbor robot secrets) go during apply: a
    file (JSON, 0600, written atomically, never through a symlink) and/or stdout. Unset,
    creating one is refused."""
    from regform.providers.harbor.secrets import set_destination

    set_destination(file, stdout)


def secret_destination_set() -> bool:
    """Whether secrets shown only once have somewhere to go (:func:`set_secret_destination`)."""
    from regform.providers.harbor.secrets import destination

    return destination().set


def check_secret_destination() -> None:
    """Raise :class:`~regform.errors.ProviderError` when the secrets file set by
    :func:`set_secret_destination` could not be written (a symlink, an unreadable file, a
    missing or read-only directory); apply calls it before any write."""
    from regform.providers.harbor.secrets import check_destination

    check_destination()


def build_provider(
    registry: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
) -> Provider:
    """The provider for one declared registry; ``parallelism``: API calls in flight at most
    (None: the provider's default)."""
    return KINDS[registry.provider].build(registry, sandbox=sandbox, parallelism=parallelism)


def build_providers(
    config: Config,
    *,
    sandbox: bool = False,
    only: frozenset[str] | None = None,
    parallelism: int | None = None,
) -> dict[str, Provider]:
    """One provider per declared registry (or per name in ``only``)."""
    return {
        name: build_provider(reg, sandbox=sandbox, parallelism=parallelism)
        for name, reg in config.registries.items()
        if only is None or name in only
    }
