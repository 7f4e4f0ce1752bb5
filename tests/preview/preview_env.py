"""Lifecycle-preview test helpers: lifecycle definitions whose outcome on moto does not depend on
push order within a second, and providers whose clients the test can watch (which repositories
DescribeImages reads)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import ClientError

from regform.model import Config
from regform.providers.base import Provider
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, EcrClients, build_clients

#: two rules whose outcome never depends on which image moto pushed first within a second:
#: every ``pr-`` image older than 30 days goes; release tags stay (at most 10 of them exist).
BY_AGE = """
lifecycle_policies:
  pr-builds:
    - description: pull request builds
      tag_prefixes: [pr-]
      older_than_days: 30
    - description: releases
      tag_prefixes: [v]
      keep_last: 10
"""

#: count-based: the two newest ``pr-`` images stay, older ones go.
BY_COUNT = """
lifecycle_policies:
  pr-builds:
    - description: pull request builds
      tag_prefixes: [pr-]
      keep_last: 2
    - description: releases
      tag_prefixes: [v]
      keep_last: 10
"""


def put_policy(raw_ecr: Any, repository: str, policy: dict[str, Any]) -> None:
    raw_ecr.put_lifecycle_policy(repositoryName=repository, lifecyclePolicyText=json.dumps(policy))


@contextmanager
def watched_providers(
    config: Config,
) -> Iterator[tuple[dict[str, Provider], dict[str, EcrClients]]]:
    """One EcrProvider per registry on clients the test can hook into."""
    providers: dict[str, Provider] = {}
    clients: dict[str, EcrClients] = {}
    for name, reg in config.registries.items():
        settings = ConnectionSettings.from_mapping(reg.connection)
        c = build_clients(settings)
        clients[name] = c
        providers[name] = EcrProvider(
            name, ecr=c.ecr, sts=c.sts, kms=c.kms, account_id=settings.account_id
        )
    yield providers, clients


def record_image_reads(client: Any) -> list[str]:
    """The repository of every DescribeImages request the client sends, in order."""
    sent: list[str] = []

    def record(params: Any = None, **_: Any) -> None:
        sent.append(str((params or {}).get("repositoryName", "")))

    client.meta.events.register("before-parameter-build.ecr.DescribeImages", record)
    return sent


def fail_image_reads(client: Any, repository: str) -> None:
    """Make DescribeImages on ``repository`` fail with an AWS error."""

    def handler(params: Any = None, **_: Any) -> None:
        if (params or {}).get("repositoryName") == repository:
            error = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed here"}}
            raise ClientError(error, "DescribeImages")  # type: ignore[arg-type]

    client.meta.events.register("before-parameter-build.ecr.DescribeImages", handler)
