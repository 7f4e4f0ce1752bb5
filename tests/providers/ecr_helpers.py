"""ECR provider test helpers: a provider on the emulator, call recording, fault injection."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from regform.model import Repository
from regform.plan import REPOSITORY, Action, Change, FieldChange
from regform.providers.ecr.calls import Backoff
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, EcrClients, build_clients

REGION = "us-east-1"
NO_WAIT = Backoff(attempts=4, base=0.0, cap=0.0)

LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "drop untagged",
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 5,
            },
            "action": {"type": "expire"},
        }
    ]
}
LIFECYCLE_2 = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["pr-"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "pull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}
POLICY_2 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "pull",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": ["ecr:BatchGetImage"],
        }
    ],
}


@dataclass
class Harness:
    """A provider on the emulator, its clients, and the ECR operations it actually sent."""

    provider: EcrProvider
    clients: EcrClients
    sent: list[str] = field(default_factory=list)

    def writes(self) -> list[str]:
        reads = ("Describe", "Get", "List")
        return [op for op in self.sent if not op.startswith(reads)]


class Calls:
    """Records the ECR operations the settings reader and writer report, in order."""

    def __init__(self) -> None:
        self.ops: list[str] = []

    def __call__(self, op: str) -> None:
        self.ops.append(op)


def harness(
    endpoint: str,
    *,
    registry: str = "main",
    account_id: str | None = None,
) -> Harness:
    """A provider on ``endpoint``."""
    clients = build_clients(ConnectionSettings(region=REGION, endpoint_url=endpoint))
    provider = EcrProvider(
        registry,
        ecr=clients.ecr,
        sts=clients.sts,
        kms=clients.kms,
        account_id=account_id,
        after_create=NO_WAIT,
        iam_propagation=NO_WAIT,
    )
    h = Harness(provider, clients)

    def record(model: Any = None, **_: Any) -> None:
        h.sent.append(model.name)

    clients.ecr.meta.events.register("before-parameter-build.ecr", record)
    return h


def fail_first(
    client: Any, operation: str, code: str, message: str, times: int = 1, service: str = "ecr"
) -> list[int]:
    """Make the next ``times`` calls of ``operation`` fail with ``code`` before reaching the
    emulator (as real ECR does right after a create, or while IAM propagates a principal).
    Returns a one-item list counting the failures injected."""
    injected = [0]

    def handler(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if injected[0] >= times:
            return None
        injected[0] += 1
        response = AWSResponse("http://fault.invalid", 400, {}, None)
        parsed = {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }
        return response, parsed

    client.meta.events.register_first(f"before-call.{service}.{operation}", handler)
    return injected


def create(repo: Repository) -> Change:
    return Change(
        registry="main", kind=REPOSITORY, name=repo.name, action=Action.CREATE, after=repo.to_dict()
    )


def update(before: Repository, after: Repository, *fields: FieldChange) -> Change:
    return Change(
        registry="main",
        kind=REPOSITORY,
        name=after.name,
        action=Action.UPDATE,
        fields=fields,
        before=before.to_dict(),
        after=after.to_dict(),
    )


def field_change(path: str, before: Any, after: Any) -> FieldChange:
    return FieldChange(path=path, before=before, after=after)


def read_all(endpoint: str, name: str) -> Repository | None:
    """Everything about one repository, read by a fresh provider (no cache of the writer)."""
    fresh = harness(endpoint).provider
    found = fresh.read_details({name: frozenset({"tags", "lifecycle_policy", "repository_policy"})})
    return found.get(name)
