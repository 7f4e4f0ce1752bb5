"""What the ECR provider declares: capabilities, config keys and rules, repository names.

Read by config validation, so nothing here loads boto3.
"""

from __future__ import annotations

import re
from typing import Any

from regform import model as m
from regform.model import Capabilities
from regform.providers.base import ConfigProblem, ProviderKind, RegistryEntry
from regform.providers.ecr import hosts
from regform.providers.urls import plain_http_remote, url_problem
from regform.registry_settings import SETTING_KINDS

CAPABILITIES = Capabilities(
    fields=frozenset(m.REPOSITORY_FIELDS),
    replace_on=frozenset({m.ENCRYPTION}),
    listing_fields=frozenset({m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.SCAN_ON_PUSH, m.ENCRYPTION}),
    deprecated={
        m.SCAN_ON_PUSH: "repository-level scan on push is deprecated by AWS in favour of "
        "registry scanning (settings.scanning); it still works for now"
    },
    settings=frozenset(SETTING_KINDS),
)

#: botocore's ``RepositoryName`` pattern (the OCI distribution name grammar): components of
#: lowercase letters and digits joined by ``.``, ``_``, ``__`` or one or more ``-``
_COMPONENT = r"[a-z0-9]+(?:(?:\.|__|_|-+)[a-z0-9]+)*"
_ECR_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_ROLE_ACCOUNT = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/")


def ecr_name_problem(name: str) -> str | None:
    """Why ECR would reject ``name`` (None when valid).

    The API's rule (botocore ``RepositoryName``): 2-256 characters; components of lowercase
    letters and digits separated by ``/``; inside a component, letters or digits joined by ``.``,
    ``_``, ``__`` or a run of ``-``. So ``a__b`` and ``a--b`` are valid (the user guide says
    double hyphens and underscores are not supported; the API pattern accepts them, and
    repositories so named exist), while ``a___b``, ``a//b`` and ``a._b`` are not.
    """
    if len(name) < 2:
        return "is shorter than 2 characters"
    if len(name) > 256:
        return f"is {len(name)} characters long (at most 256)"
    if name != name.lower():
        return "has uppercase letters (names are lowercase)"
    if "//" in name:
        return "contains '//'"
    bad = sorted({c for c in name if not (c.isascii() and (c.isalnum() or c in "._-/"))})
    if bad:
        return "contains " + ", ".join(repr(c) for c in bad) + " (allowed: a-z 0-9 . _ - /)"
    if not _ECR_NAME.match(name):
        return (
            "must start and end with a letter or digit, with one separator ('.', '_', '__',"
            " '-' or several, '/') between letters or digits"
        )
    return None


#: how an ECR registry takes credentials (for messages).
CREDENTIAL_OPTIONS = "profile, role_arn or the AWS environment variables"


def check_registry(entry: RegistryEntry) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []
    if entry.get("external_id") is not None and "role_arn" not in entry.value:
        problems.append((("external_id",), "external_id is used only with role_arn", True))
    url = entry.get("endpoint_url")
    if isinstance(url, str):
        problem = url_problem(url, CREDENTIAL_OPTIONS)
        if problem is None and plain_http_remote(url) and entry.get("allow_http") is not True:
            problem = (
                "a plain http:// endpoint on another host sends request signatures and the "
                "session token unencrypted: use https, or set allow_http: true"
            )
        if problem is not None:
            problems.append((("endpoint_url",), problem, False))
    return problems


def _account(reg: dict[str, Any]) -> str | None:
    account = reg.get("account_id")
    if isinstance(account, str):
        return account
    role = reg.get("role_arn")
    match = _ROLE_ACCOUNT.match(role) if isinstance(role, str) else None
    return match.group(1) if match else None


def settings_store(entry: RegistryEntry) -> tuple[tuple[str, ...], str] | None:
    """The account and region an ECR registry reaches (None: cannot tell, or the sandbox).

    Two ECR registries are the same account and region when both name the account
    (``account_id``, or the account of ``role_arn``) and the region and the endpoint agree; or
    when neither names an account and they reach the region and endpoint with the same
    credentials (same ``profile``, or both the default credentials). Sandbox registries are
    separate emulators, never the same registry.
    """
    reg = entry.value
    if not isinstance(reg, dict) or reg.get("sandbox") is True:
        return None
    region = entry.get("region")
    if not isinstance(region, str):
        return None
    endpoint = str(entry.get("endpoint_url") or "").rstrip("/")
    account = _account(reg)
    if account is not None:
        return ("account", account, region, endpoint), f"account {account}, region {region}"
    profile = str(entry.get("profile") or "")
    who = f"profile {profile}" if profile else "the default credentials"
    return ("credentials", profile, region, endpoint), f"region {region} with {who}"


KIND = ProviderKind(
    name="ecr",
    capabilities=CAPABILITIES,
    package="regform.providers.ecr",
    factory="regform.providers.ecr.factory:build_provider",
    check_registry=check_registry,
    name_problem=ecr_name_problem,
    settings_store=settings_store,
    connection_defaults={"sandbox": False},
    credential="regform.providers.ecr.credential:ecr_credential",
    auth_key=hosts.auth_key,
    serves_host=hosts.serves_host,
    token_username="AWS",
)
