"""What the OCI distribution provider declares: capabilities, config rules, repository names."""

from __future__ import annotations

import re

from regform import model as m
from regform.model import Capabilities
from regform.plan import RETENTION_WORDS
from regform.providers.base import ConfigProblem, ProviderKind, RegistryEntry
from regform.providers.urls import url_host, url_key_problems

CAPABILITIES = Capabilities(
    fields=frozenset({m.LIFECYCLE_POLICY}),
    can_create=False,
    can_delete=False,
    native_lifecycle=False,
    image_time="created",
    preview_words=RETENTION_WORDS,  # regform's own retention deletes images
)

_OCI_NAME = re.compile(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")


def oci_name_problem(name: str) -> str | None:
    """Why the OCI distribution spec would reject ``name`` (None when valid)."""
    if len(name) > 255:
        return f"is {len(name)} characters long (at most 255)"
    if not _OCI_NAME.match(name):
        return "is not a valid repository name (lowercase letters, digits and . _ - / separators)"
    return None


def check_registry(entry: RegistryEntry) -> list[ConfigProblem]:
    options = "credentials: {username_env, password_env} or {docker_config}"
    problems = url_key_problems(entry, options)
    creds = entry.get("credentials")
    if isinstance(creds, dict):
        pair = [k for k in ("username_env", "password_env") if k in creds]
        if "docker_config" in creds and pair:
            message = "use either username_env + password_env or docker_config, not both"
            problems.append((("credentials",), message, False))
        elif len(pair) == 1:
            missing = "password_env" if pair == ["username_env"] else "username_env"
            problems.append((("credentials",), f"{pair[0]} needs {missing} too", False))
        elif not creds:
            message = "give username_env + password_env or docker_config"
            problems.append((("credentials",), message, False))
    return problems


KIND = ProviderKind(
    name="distribution",
    capabilities=CAPABILITIES,
    package="regform.providers.distribution",
    factory="regform.providers.distribution.provider:DistributionProvider.from_config",
    credential="regform.providers.distribution.credential:distribution_credential",
    auth_key=url_host,
    check_registry=check_registry,
    name_problem=oci_name_problem,
)
