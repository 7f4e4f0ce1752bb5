"""Client auth files: the containers ``auth.json`` (podman, skopeo, buildah) and docker's
``config.json``. Both hold ``auths`` (``{"KEY": {"auth": base64(user:secret)}}``) and
``credHelpers`` (``{"KEY": "NAME"}``: ask ``docker-credential-NAME``).

regform changes only the entries for the hosts it logs in to: an entry for the same host under
another spelling (``https://HOST``, ``HOST/v1/``) is replaced, every other entry and every other
byte of the file stays as it was. Files are written atomically with mode 0600.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from regform.credentials import jsonedit
from regform.credentials.files import read_private, write_private
from regform.credentials.hosts import host_of, is_host_key
from regform.errors import RegformError
from regform.providers.distribution.auth import default_docker_config

AUTHS = "auths"
CRED_HELPERS = "credHelpers"
#: the credential helper regform installs (``docker-credential-regform``).
HELPER_NAME = "regform"


def containers_auth_file(env: Mapping[str, str] | None = None) -> Path:
    """Where podman and skopeo look: ``$REGISTRY_AUTH_FILE``, else
    ``$XDG_RUNTIME_DIR/containers/auth.json``, else ``/run/containers/UID/auth.json``."""
    environ = os.environ if env is None else env
    if environ.get("REGISTRY_AUTH_FILE"):
        return Path(environ["REGISTRY_AUTH_FILE"])
    if environ.get("XDG_RUNTIME_DIR"):
        return Path(environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json"
    return Path("/run/containers") / str(os.getuid()) / "auth.json"


def docker_config_file(env: Mapping[str, str] | None = None) -> Path:
    """``$DOCKER_CONFIG/config.json``, else ``~/.docker/config.json``."""
    return default_docker_config(os.environ if env is None else env)


def update_auth_file(
    path: Path,
    *,
    auths: Mapping[str, Mapping[str, str]] | None = None,
    helpers: Mapping[str, str] | None = None,
) -> None:
    """Set ``auths`` entries (replacing any credHelpers entry for the host) and/or
    ``credHelpers`` entries (removing any secret stored for the host), then write ``path``."""
    original = read_private(path)
    text = original if original is not None and original.strip() else "{}\n"
    try:
        top = jsonedit.check_document(text)
        unit = jsonedit.indent_unit(text, top)
        for key, entry in (auths or {}).items():
            text = _drop_host(text, CRED_HELPERS, key)
            text = _put(text, AUTHS, key, dict(entry), unit)
        for key, helper in (helpers or {}).items():
            text = _drop_host(text, AUTHS, key)
            text = _put(text, CRED_HELPERS, key, helper, unit)
    except jsonedit.JsonEditError as exc:
        raise RegformError(f"cannot update {path}: not a JSON object ({exc})") from None
    if text != original:
        write_private(path, text)


def read_auth_file(path: Path) -> dict[str, Any]:
    """The parsed file ({} when it does not exist)."""
    text = read_private(path)
    if text is None or not text.strip():
        return {}
    try:
        jsonedit.check_document(text)
    except jsonedit.JsonEditError as exc:
        raise RegformError(f"cannot read {path}: not a JSON object ({exc})") from None
    try:
        data: dict[str, Any] = json.loads(text)
    except RecursionError:
        raise RegformError(f"cannot read {path}: JSON nested too deeply") from None
    return data


def _section(text: str, name: str, unit: str | None) -> tuple[str, jsonedit.ObjectSpan]:
    top = jsonedit.parse_object(text)
    member = top.get(name)
    if member is None:
        text = jsonedit.set_member(text, top, name, {}, 1, unit)
        member = jsonedit.parse_object(text).get(name)
        assert member is not None
    if not isinstance(member.value, dict):
        raise jsonedit.JsonEditError(f"'{name}' is not an object")
    return text, jsonedit.parse_object(text, member.value_start)


def _drop_host(text: str, name: str, key: str, keep: str | None = None) -> str:
    top = jsonedit.parse_object(text)
    member = top.get(name)
    if member is None or not isinstance(member.value, dict):
        return text
    host = host_of(key)
    section = jsonedit.parse_object(text, member.value_start)
    for other in [m.key for m in section.members]:
        if other != keep and host_of(other) == host and is_host_key(other):
            text = jsonedit.remove_member(text, section, other)
            section = jsonedit.parse_object(text, member.value_start)
    return text


def _put(text: str, name: str, key: str, value: Any, unit: str | None) -> str:
    text = _drop_host(text, name, key, keep=key)
    text, section = _section(text, name, unit)
    return jsonedit.set_member(text, section, key, value, 2, unit)
