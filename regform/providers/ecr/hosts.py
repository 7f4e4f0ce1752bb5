"""ECR's registry hosts: ``ACCOUNT.dkr.ecr.REGION.amazonaws.com``, the key its credentials go
under in auth files, and which declared ECR registry answers for a host a client names."""

from __future__ import annotations

import re

from regform.model import RegistryConfig

_ECR_HOST = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$"
)


def ecr_host(account: str, region: str) -> str:
    return f"{account}.dkr.ecr.{region}.amazonaws.com"


def auth_key(reg: RegistryConfig) -> str | None:
    """The host, when the config tells it (``account_id`` declared); else the token's proxy
    endpoint gives it."""
    account, region = reg.connection.get("account_id"), reg.connection.get("region")
    return ecr_host(str(account), str(region)) if account and region else None


def serves_host(reg: RegistryConfig, host: str) -> bool:
    """``host`` (normalized) is this registry's: its region, and its account when declared."""
    match = _ECR_HOST.match(host)
    if match is None or match["region"] != reg.connection.get("region"):
        return False
    account = reg.connection.get("account_id")
    return account is None or match["account"] == str(account)
