"""Building the boto3 clients the ECR provider uses: credentials, region, endpoint and retries.

Credentials come from the standard chain (environment, shared files, SSO, instance roles), or from
a named ``profile``. With ``role_arn`` (and optionally ``external_id``) the resolved credentials
are used to assume that role through STS with the session name ``regform``; the assumed-role
credentials refresh themselves before they expire. ``endpoint_url`` points the ECR, STS and KMS
clients at an emulator. No secret is logged.

Retries use botocore's adaptive mode by default, so throttling slows regform down instead of
failing the run; the connection pool is sized for the read concurrency.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import botocore.session
from botocore.config import Config
from botocore.credentials import (
    CredentialProvider,
    CredentialResolver,
    Credentials,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import BotoCoreError

from regform.errors import ProviderError

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_sts import STSClient

#: reads run this many calls at once unless the registry says otherwise (each read costs little
#: CPU: the network round trip bounds a plan; throttling lowers it, see ecr_throttle).
DEFAULT_CONCURRENCY = 64
DEFAULT_RETRY_MODE = "adaptive"
DEFAULT_MAX_ATTEMPTS = 10
ROLE_SESSION_NAME = "regform"
USER_AGENT_EXTRA = "regform"


@dataclass(frozen=True, slots=True)
class EcrClients:
    """The three clients one ECR registry needs."""

    ecr: ECRClient
    sts: STSClient
    kms: KMSClient


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """The connection options of an ECR registry (``RegistryConfig.connection``), typed."""

    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    account_id: str | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    retry_mode: str = DEFAULT_RETRY_MODE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    @classmethod
    def from_mapping(cls, connection: Mapping[str, Any]) -> ConnectionSettings:
        def opt(key: str) -> str | None:
            value = connection.get(key)
            return None if value is None or value == "" else str(value)

        account = opt("account_id")
        return cls(
            region=opt("region"),
            profile=opt("profile"),
            role_arn=opt("role_arn"),
            external_id=opt("external_id"),
            endpoint_url=opt("endpoint_url"),
            account_id=account,
            concurrency=int(connection.get("concurrency") or DEFAULT_CONCURRENCY),
            retry_mode=str(connection.get("retry_mode") or DEFAULT_RETRY_MODE),
            max_attempts=int(connection.get("max_attempts") or DEFAULT_MAX_ATTEMPTS),
        )


def client_config(settings: ConnectionSettings) -> Config:
    """botocore client options: throttling-aware retries and a pool as large as the concurrency."""
    return Config(
        retries=cast(
            "Any", {"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts}
        ),
        max_pool_connections=max(10, settings.concurrency + 2),
        user_agent_extra=USER_AGENT_EXTRA,
        connect_timeout=10,
        read_timeout=60,
    )


class _FixedCredentialProvider(CredentialProvider):
    """Hands botocore credentials regform built itself (assumed role, sandbox)."""

    METHOD = "regform"
    CANONICAL_NAME = "regform"

    def __init__(self, credentials: Credentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> Credentials:
        return self._credentials


def use_credentials(session: botocore.session.Session, credentials: Credentials) -> None:
    """Make ``session`` use exactly ``credentials`` (no lookup in the environment or files)."""
    session.register_component(
        "credential_provider", CredentialResolver([_FixedCredentialProvider(credentials)])
    )


def _assume_role_refresher(
    sts: STSClient, role_arn: str, external_id: str | None
) -> Callable[[], dict[str, str]]:
    def refresh() -> dict[str, str]:
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ROLE_SESSION_NAME}
        if external_id:
            kwargs["ExternalId"] = external_id
        creds = sts.assume_role(**kwargs)["Credentials"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    return refresh


def _base_session(settings: ConnectionSettings) -> botocore.session.Session:
    session = botocore.session.Session(profile=settings.profile)
    if settings.region:
        session.set_config_variable("region", settings.region)
    return session


def build_clients(
    settings: ConnectionSettings,
    *,
    session: botocore.session.Session | None = None,
    on_client: Callable[[Any], None] | None = None,
) -> EcrClients:
    """Create the ECR, STS and KMS clients for one registry.

    ``session`` replaces the default botocore session (the sandbox passes one with fixed
    credentials); ``role_arn`` is then not used. ``on_client`` is called with every client
    created, including the STS client used to assume a role (the provider counts its calls).
    """
    try:
        base = session if session is not None else _base_session(settings)
        config = client_config(settings)
        region = settings.region or base.get_config_variable("region")
        if not region:
            raise ProviderError(
                "no AWS region: set `region` on the registry or AWS_REGION in the environment"
            )

        def create(target: botocore.session.Session, service: str) -> Any:
            client = target.create_client(
                service, region_name=region, endpoint_url=settings.endpoint_url, config=config
            )
            if on_client is not None:
                on_client(client)
            return client

        target = base
        if settings.role_arn and session is None:
            source_sts: STSClient = create(base, "sts")
            target = _base_session(settings)
            use_credentials(
                target,
                DeferredRefreshableCredentials(
                    refresh_using=_assume_role_refresher(
                        source_sts, settings.role_arn, settings.external_id
                    ),
                    method="assume-role",
                ),
            )
        return EcrClients(
            ecr=create(target, "ecr"), sts=create(target, "sts"), kms=create(target, "kms")
        )
    except BotoCoreError as exc:
        raise ProviderError(f"cannot set up AWS clients: {exc}") from exc
