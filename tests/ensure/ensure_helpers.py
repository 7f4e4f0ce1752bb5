"""Helpers of the ensure and pattern tests: a config on the emulator, a provider whose ECR
requests are recorded with their parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from regform.model import Config
from regform.providers.ecr.calls import Backoff
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, build_clients

NO_WAIT = Backoff(attempts=2, base=0.0, cap=0.0)


@dataclass
class Recorded:
    provider: EcrProvider
    #: (operation, parameters) of every ECR request sent through botocore
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def operations(self) -> list[str]:
        return [op for op, _ in self.requests]


def recorded_provider(config: Config, name: str = "prod") -> Recorded:
    """The ECR provider of registry ``name``, recording every request it sends."""
    settings = ConnectionSettings.from_mapping(config.registries[name].connection)
    clients = build_clients(settings)
    provider = EcrProvider(
        name,
        ecr=clients.ecr,
        sts=clients.sts,
        kms=clients.kms,
        account_id=settings.account_id,
        declared_settings=config.registries[name].settings,
        after_create=NO_WAIT,
        iam_propagation=NO_WAIT,
    )
    recorded = Recorded(provider)

    def record(model: Any = None, params: Any = None, **_: Any) -> None:
        recorded.requests.append((model.name, dict(params or {})))

    clients.ecr.meta.events.register("before-parameter-build.ecr", record)
    return recorded
