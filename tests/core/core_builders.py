"""Small builders for desired and actual repositories, registries and plans (pure data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from regform import model as m
from regform.model import (
    Capabilities,
    Config,
    RegistryConfig,
    RegistryState,
    Repository,
    SafetySettings,
)
from regform.planning.planner import RegistryPlan, plan_registry
from regform.providers import CAPABILITIES

ECR = CAPABILITIES["ecr"]
DISTRIBUTION = CAPABILITIES["distribution"]
ALL_FIELDS = frozenset(m.REPOSITORY_FIELDS)

ROLE = "arn:aws:iam::111111111111:role/ci"
#: a lifecycle policy keeping the 5 newest untagged images
UNTAGGED = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 5,
            },
            "action": {"type": "expire"},
        }
    ]
}
#: a repository policy letting ROLE pull
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Pull",
            "Effect": "Allow",
            "Principal": {"AWS": ROLE},
            "Action": "ecr:BatchGetImage",
        }
    ],
}


def want(name: str, *, managed: Iterable[str] | None = None, **fields: Any) -> Repository:
    """A desired repository managing exactly the fields given (or ``managed``)."""
    extra = {
        k: fields.pop(k)
        for k in ("ignore_tags", "lifecycle_name", "lifecycle_readable", "policy_name")
        if k in fields
    }
    if "ignore_tags" in extra:
        extra["ignore_tags"] = frozenset(extra["ignore_tags"])
    chosen = frozenset(managed) if managed is not None else frozenset(fields)
    return Repository(name=name, managed=chosen, **fields, **extra)


def have(name: str, *, loaded: Iterable[str] = ALL_FIELDS, **fields: Any) -> Repository:
    """An actual repository as a provider read it (every field read unless told)."""
    return Repository(name=name, loaded=frozenset(loaded), **fields)


def registry(
    name: str = "prod",
    *repos: Repository,
    provider: str = "ecr",
    **options: Any,
) -> RegistryConfig:
    connection: Mapping[str, Any] = options.pop("connection", {"region": "us-east-1"})
    safety = options.pop("safety", SafetySettings())
    return RegistryConfig(
        name=name,
        provider=provider,
        connection=connection,
        repositories={r.name: r for r in repos},
        safety=safety,
        **options,
    )


def state(*repos: Repository, settings: Mapping[str, Any] | None = None) -> RegistryState:
    return RegistryState(repositories={r.name: r for r in repos}, settings=settings or {})


def plan_one(
    reg: RegistryConfig,
    *found: Repository,
    caps: Capabilities = ECR,
    targets: list[str] | None = None,
) -> RegistryPlan:
    return plan_registry(reg, state(*found), caps, targets=targets)


def config(*regs: RegistryConfig, checksum: str = "") -> Config:
    return Config(registries={r.name: r for r in regs}, checksum=checksum)
