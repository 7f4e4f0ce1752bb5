"""Kubernetes pull secrets: a ``kubernetes.io/dockerconfigjson`` Secret holding
``.dockerconfigjson`` for the given credentials, for ``kubectl apply -f -`` and
``imagePullSecrets``."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from typing import Any

import yaml

from regform.providers.credential import Credential

SECRET_TYPE = "kubernetes.io/dockerconfigjson"
DATA_KEY = ".dockerconfigjson"


def dockerconfigjson(credentials: Sequence[Credential]) -> str:
    """The docker config document of the credentials (one ``auths`` entry per host)."""
    auths = {
        c.key: {"username": c.username, "password": c.secret, "auth": c.auth} for c in credentials
    }
    return json.dumps({"auths": auths}, sort_keys=True, separators=(",", ":"))


def pull_secret(
    credentials: Sequence[Credential], name: str, namespace: str | None = None
) -> dict[str, Any]:
    """The Secret manifest."""
    metadata: dict[str, str] = {"name": name}
    if namespace:
        metadata["namespace"] = namespace
    encoded = base64.b64encode(dockerconfigjson(credentials).encode()).decode("ascii")
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": SECRET_TYPE,
        "data": {DATA_KEY: encoded},
    }


def render_secret(secret: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(secret, indent=2) + "\n"
    return str(yaml.safe_dump(secret, sort_keys=False, default_flow_style=False))
