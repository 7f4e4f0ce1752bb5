"""End-to-end helpers: YAML configs on the emulator, providers open to fault injection."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from regform.config import load_config
from regform.model import Config
from regform.providers.base import Provider
from regform.providers.ecr.calls import Backoff
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, EcrClients, build_clients

REGION = "us-east-1"
NO_WAIT = Backoff(attempts=2, base=0.0, cap=0.0)


def write_config(directory: Path, endpoint: str, body: str, registry: str = "") -> Path:
    """A regform.yaml with one ECR registry ``prod`` on the emulator, plus ``body``."""
    extra = f", {registry}" if registry else ""
    text = (
        "version: 1\n"
        "registries:\n"
        f"  prod: {{provider: ecr, region: {REGION}, endpoint_url: '{endpoint}'{extra}}}\n"
        + textwrap.dedent(body)
    )
    path = directory / "regform.yaml"
    path.write_text(text)
    return path


def config_for(directory: Path, endpoint: str, body: str, registry: str = "") -> Config:
    return load_config([write_config(directory, endpoint, body, registry)])


@contextmanager
def ecr_providers(config: Config) -> Iterator[tuple[dict[str, Provider], dict[str, EcrClients]]]:
    """One EcrProvider per registry on clients the test can hook into (fault injection)."""
    providers: dict[str, Provider] = {}
    clients: dict[str, EcrClients] = {}
    for name, reg in config.registries.items():
        settings = ConnectionSettings.from_mapping(reg.connection)
        c = build_clients(settings)
        clients[name] = c
        providers[name] = EcrProvider(
            name,
            ecr=c.ecr,
            sts=c.sts,
            kms=c.kms,
            account_id=settings.account_id,
            after_create=NO_WAIT,
            iam_propagation=NO_WAIT,
        )
    yield providers, clients


def fail_for(client: Any, operation: str, repository: str) -> None:
    """Make ``operation`` on ``repository`` fail with a non-retryable AWS error."""

    def handler(params: dict[str, Any], **_: Any) -> None:
        if params.get("repositoryName") == repository:
            error = {"Error": {"Code": "InvalidParameterException", "Message": "injected failure"}}
            raise ClientError(error, operation)  # type: ignore[arg-type]

    client.meta.events.register(f"before-parameter-build.ecr.{operation}", handler)


def record_writes(client: Any) -> list[str]:
    """Operation names of every ECR call that is not a read, as they are sent."""
    sent: list[str] = []

    def record(model: Any = None, **_: Any) -> None:
        if not model.name.startswith(("Describe", "Get", "List", "BatchGet")):
            sent.append(model.name)

    client.meta.events.register("before-parameter-build.ecr", record)
    return sent


def aws_cli(endpoint: str, *args: str) -> Any:
    """Run the AWS CLI (an independent reader) against the emulator; parsed JSON output."""
    aws = Path(sys.executable).parent / "aws"
    result = subprocess.run(
        [
            str(aws),
            "ecr",
            *args,
            "--endpoint-url",
            endpoint,
            "--region",
            REGION,
            "--output",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout) if result.stdout.strip() else None


def record_write_targets(client: Any) -> list[tuple[str, str]]:
    """(operation, repository) of every ECR write, in the order they are sent."""
    sent: list[tuple[str, str]] = []

    def record(model: Any = None, params: Any = None, **_: Any) -> None:
        if not model.name.startswith(("Describe", "Get", "List", "BatchGet")):
            sent.append((model.name, str((params or {}).get("repositoryName", ""))))

    client.meta.events.register("before-parameter-build.ecr", record)
    return sent
