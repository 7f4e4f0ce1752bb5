"""Docker Hub is a provider kind of its own that holds credentials only."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from regform.errors import RegformError
from regform.model import RegistryConfig
from regform.providers import KINDS, build_provider
from regform.providers.dockerhub.kind import MANAGEMENT_KEYS


def test_every_registry_key_about_repositories_is_refused_on_dockerhub() -> None:
    """The keys a credentials-only registry refuses are all the language's own registry keys."""
    text = resources.files("regform.config").joinpath("config.schema.json").read_text("utf-8")
    language_keys = set(json.loads(text)["$defs"]["registry"]["properties"]) - {"provider"}
    assert set(MANAGEMENT_KEYS) == language_keys


def test_dockerhub_declares_credentials_only() -> None:
    kind = KINDS["dockerhub"]
    assert kind.capabilities.credentials_only
    assert not any(k.capabilities.credentials_only for k in KINDS.values() if k is not kind)
    assert kind.connection_keys == ("credentials",)


def test_no_provider_is_built_for_a_credentials_only_registry() -> None:
    hub = RegistryConfig("hub", "dockerhub", {"credentials": {"username_env": "U"}})
    with pytest.raises(RegformError, match="registry 'hub' is provider dockerhub, which holds"):
        build_provider(hub)
