"""Helpers of the ensure and pattern tests: a config on the emulator, a provider whose ECR
requests are recorded with their parameters."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from regform.config import load_config
from regform.model import Config
from regform.providers.ecr import EcrProvider
from regform.providers.ecr_calls import Backoff
from regform.providers.ecr_session import ConnectionSettings, build_clients

REGION = "us-east-1"
NO_WAIT = Backoff(attempts=2, base=0.0, cap=0.0)


def write_config(directory: Path, endpoint: str, body: str, registry: str = "") -> Path:
    """regform.yaml with one ECR registry ``prod`` on the emulator (``registry``: more keys of
    it, YAML indented by four spaces) and ``body`` (more top-level sections)."""
    extra = textwrap.indent(textwrap.dedent(registry).strip("\n"), " " * 4)
    text = (
        "version: 1\n"
        "registries:\n"
        "  prod:\n"
        "    provider: ecr\n"
        f"    region: {REGION}\n"
        f"    endpoint_url: '{endpoint}'\n"
        + (extra + "\n" if extra else "")
        + textwrap.dedent(body)
    )
    path = directory / "regform.yaml"
    path.write_text(text)
    return path


def config_for(directory: Path, endpoint: str, body: str, registry: str = "") -> Config:
    return load_config([write_config(directory, endpoint, body, registry)])


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
