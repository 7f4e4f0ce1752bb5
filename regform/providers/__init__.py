"""Provider registry: what each provider can do, and how to build one for a declared registry.

Capabilities are static data so that config validation can check them without importing any
provider's client library.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from regform import model as m
from regform.model import Capabilities

if TYPE_CHECKING:
    from regform.model import Config, RegistryConfig
    from regform.providers.base import Provider

CAPABILITIES: Mapping[str, Capabilities] = {
    "ecr": Capabilities(
        fields=frozenset(m.REPOSITORY_FIELDS),
        replace_on=frozenset({m.ENCRYPTION}),
        listing_fields=frozenset(
            {m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.SCAN_ON_PUSH, m.ENCRYPTION}
        ),
        deprecated={
            m.SCAN_ON_PUSH: "repository-level scan on push is deprecated by AWS in favour of "
            "registry scanning (settings.scanning); it still works for now"
        },
        settings=frozenset(
            {
                "registry_policy",
                "scanning",
                "replication",
                "pull_through_cache_rules",
                "creation_templates",
                "account_settings",
            }
        ),
    ),
    "distribution": Capabilities(
        fields=frozenset({m.LIFECYCLE_POLICY}),
        can_create=False,
        can_delete=False,
        native_lifecycle=False,
    ),
}

#: provider name -> "module:factory"; the factory takes
#: (RegistryConfig, *, sandbox: bool, parallelism: int | None).
_FACTORIES: Mapping[str, str] = {
    "ecr": "regform.providers.ecr.provider:EcrProvider.from_config",
    "distribution": "regform.providers.distribution.provider:DistributionProvider.from_config",
}


def _factory(provider: str) -> Callable[..., Provider]:
    module_name, _, attr = _FACTORIES[provider].partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj  # type: ignore[return-value]


def build_provider(
    registry: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
) -> Provider:
    """The provider for one declared registry; ``parallelism``: API calls in flight at most
    (None: the provider's default)."""
    return _factory(registry.provider)(registry, sandbox=sandbox, parallelism=parallelism)


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
