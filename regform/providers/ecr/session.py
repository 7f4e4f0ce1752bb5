"""Building the boto3 clients the ECR provider uses: credentials, region, endpoint and retries.

Credentials come from the standard chain (environment, shared files, SSO, instance roles), or from
a named ``profile``. With ``role_arn`` (and optionally ``external_id``) the resolved credentials
are used to assume that role through STS with the session name ``regform``; the assumed-role
credentials refresh themselves before they expire. ``endpoint_url`` points the ECR, STS and KMS
clients at an emulator. No secret is logged.

Retries are botocore's: ``standard`` mode unless the registry's ``retries`` option, the
``AWS_RETRY_MODE`` / ``AWS_MAX_ATTEMPTS`` environment variables or the profile's ``retry_mode`` /
``max_attempts`` say otherwise. (``adaptive`` mode is available but not the default: one throttling
error drops its client-side rate limiter to a trickle for the rest of a run.) Throttling also
lowers how many requests regform keeps in flight (:mod:`regform.providers.ecr.throttle`). The
connection pool is sized for the parallelism.
"""

from __future__ import annotations

import os
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
from regform.providers.ecr.deferred import Deferred

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_sts import STSClient

#: calls in flight at once unless ``--parallelism`` says otherwise: the network round trip bounds a
#: plan, and throttling lowers it on its own (see throttle.py).
DEFAULT_PARALLELISM = 32
DEFAULT_RETRY_MODE = "standard"
#: botocore's standard mode tries 3 times; a plan that meets throttling waits a little longer
#: rather than failing.
DEFAULT_MAX_ATTEMPTS = 10
RETRY_MODES = ("standard", "adaptive", "legacy")
ROLE_SESSION_NAME = "regform"
USER_AGENT_EXTRA = "regform"


class EcrClients:
    """The three clients one ECR registry needs; STS and KMS are created when first used."""

    def __init__(
        self,
        ecr: ECRClient,
        sts: Deferred[STSClient],
        kms: Deferred[KMSClient],
        single_attempt_ecr: Callable[[], ECRClient] | None = None,
    ) -> None:
        self.ecr = ecr
        self.deferred_sts = sts
        self.deferred_kms = kms
        #: makes an ECR client that tries each call once (a call that fails is not retried)
        self.single_attempt_ecr = single_attempt_ecr

    @property
    def sts(self) -> STSClient:
        return self.deferred_sts()

    @property
    def kms(self) -> KMSClient:
        return self.deferred_kms()


@dataclass(frozen=True, slots=True)
class ConnectionSettings:
    """The connection options of an ECR registry (``RegistryConfig.connection``), typed."""

    region: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None
    account_id: str | None = None
    parallelism: int = DEFAULT_PARALLELISM
    #: the registry's ``retries`` option; None: the environment, the profile, then the default.
    retry_mode: str | None = None
    max_attempts: int | None = None

    @classmethod
    def from_mapping(
        cls, connection: Mapping[str, Any], *, parallelism: int | None = None
    ) -> ConnectionSettings:
        def opt(key: str) -> str | None:
            value = connection.get(key)
            return None if value is None or value == "" else str(value)

        retries = connection.get("retries")
        retries = retries if isinstance(retries, Mapping) else {}
        mode = retries.get("mode")
        attempts = retries.get("max_attempts")
        return cls(
            region=opt("region"),
            profile=opt("profile"),
            role_arn=opt("role_arn"),
            external_id=opt("external_id"),
            endpoint_url=opt("endpoint_url"),
            account_id=opt("account_id"),
            parallelism=max(1, int(parallelism or DEFAULT_PARALLELISM)),
            retry_mode=str(mode) if mode else None,
            max_attempts=int(attempts) if attempts else None,
        )


def retry_options(
    settings: ConnectionSettings, session: botocore.session.Session
) -> dict[str, Any]:
    """botocore's ``retries`` option: the registry's setting, else the environment's
    (``AWS_RETRY_MODE``, ``AWS_MAX_ATTEMPTS``), else the profile's, else regform's defaults."""

    def configured(name: str, env: str) -> str | None:
        value = os.environ.get(env) or session.get_scoped_config().get(name)
        return str(value) if value else None

    mode = settings.retry_mode or configured("retry_mode", "AWS_RETRY_MODE") or DEFAULT_RETRY_MODE
    attempts = settings.max_attempts
    if attempts is None:
        text = configured("max_attempts", "AWS_MAX_ATTEMPTS")
        try:
            attempts = int(text) if text else DEFAULT_MAX_ATTEMPTS
        except ValueError:
            raise ProviderError("AWS_MAX_ATTEMPTS is not a whole number") from None
    if mode not in RETRY_MODES:
        raise ProviderError(f"unknown AWS retry mode; use one of {', '.join(RETRY_MODES)}")
    return {"mode": mode, "total_max_attempts": max(1, attempts)}


def client_config(settings: ConnectionSettings, session: botocore.session.Session) -> Config:
    """botocore client options: retries (see :func:`retry_options`), a pool as large as the
    parallelism, and timeouts that fail an unreachable endpoint quickly."""
    return Config(
        retries=cast("Any", retry_options(settings, session)),
        max_pool_connections=max(10, settings.parallelism + 2),
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
    The STS and KMS clients are created when first used.
    """
    try:
        base = session if session is not None else _base_session(settings)
        config = client_config(settings, base)
        region = settings.region or base.get_config_variable("region")
        if not region:
            raise ProviderError(
                "no AWS region: set `region` on the registry or AWS_REGION in the environment"
            )

        def create(target: botocore.session.Session, service: str, options: Config = config) -> Any:
            client = target.create_client(
                service, region_name=region, endpoint_url=settings.endpoint_url, config=options
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
        once = config.merge(
            Config(retries=cast("Any", {**retry_options(settings, base), "total_max_attempts": 1}))
        )
        return EcrClients(
            ecr=create(target, "ecr"),
            sts=Deferred(lambda: _created(create, target, "sts")),
            kms=Deferred(lambda: _created(create, target, "kms")),
            single_attempt_ecr=lambda: create(target, "ecr", once),
        )
    except BotoCoreError as exc:
        raise ProviderError(f"cannot set up AWS clients: {exc}") from exc


def _created(create: Callable[[botocore.session.Session, str], Any], *args: Any) -> Any:
    """A client created on first use: a failure is a :class:`ProviderError` as at setup."""
    try:
        return create(*args)
    except BotoCoreError as exc:
        raise ProviderError(f"cannot set up AWS clients: {exc}") from exc
