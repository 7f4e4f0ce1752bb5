"""Building an ECR provider for a declared registry: its connection settings, the sandbox when
asked for, the clients, and the caller that counts and paces their calls."""

from __future__ import annotations

import logging
from typing import Any

from regform.errors import ProviderError
from regform.model import RegistryConfig
from regform.providers.ecr.calls import ApiCaller
from regform.providers.ecr.endpoint import REAL, Endpoint
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, EcrClients, build_clients
from regform.providers.ecr.throttle import Throttle
from regform.providers.urls import HTTP_WARNING, plain_http_remote

log = logging.getLogger(__name__)


def build_provider(
    registry: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
) -> EcrProvider:
    """The provider of ``registry`` (on the embedded sandbox with ``sandbox``, or when the
    registry says ``sandbox: true``); ``parallelism``: calls in flight at most."""
    settings = ConnectionSettings.from_mapping(registry.connection, parallelism=parallelism)
    if settings.endpoint_url and plain_http_remote(settings.endpoint_url):
        log.warning(HTTP_WARNING, registry.name, settings.endpoint_url)
    endpoint: Endpoint = REAL
    caller: ApiCaller | None = None
    if sandbox or bool(registry.connection.get("sandbox")):
        from regform.providers.ecr.sandbox import Sandbox

        box = Sandbox.open(registry.name, region=settings.region, account_id=settings.account_id)
        endpoint = box
        clients = _clients(registry, box.connection_settings(settings), session=box.session)
    else:
        caller = ApiCaller(registry.name, throttle=Throttle(settings.parallelism))
        clients = _clients(registry, settings, on_client=caller.watch)
    return EcrProvider(
        registry.name,
        ecr=clients.ecr,
        sts=clients.deferred_sts,
        kms=clients.deferred_kms,
        account_id=settings.account_id,
        parallelism=settings.parallelism,
        caller=caller,
        endpoint=endpoint,
        declared_settings=registry.settings,
        single_attempt_ecr=clients.single_attempt_ecr,
    )


def _clients(registry: RegistryConfig, settings: ConnectionSettings, **options: Any) -> EcrClients:
    """The clients of ``registry``; a failure (an unknown profile, no region) names it."""
    try:
        return build_clients(settings, **options)
    except ProviderError as exc:
        raise ProviderError(f"registry {registry.name}: {exc}") from exc
