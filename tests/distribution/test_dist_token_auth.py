"""The registry token flow against the real docker-registry (``auth.token``) and a token server:
401 challenge -> token from the realm (HTTP basic) -> bearer requests, tokens cached per scope."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest
from dist_auth import TOKEN_PASSWORDS, TokenServer
from dist_images import Pusher
from dist_server import RegistryServer, provider_for

from regform.errors import IdentityError, ProviderError
from regform.lifecycle import compile_rules
from regform.planning.retention import enforcement_change
from regform.providers.distribution.provider import DistributionProvider

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = compile_rules([{"tag_prefixes": ["0.0.0-"], "older_than_days": 14}])
PASSWORDS = TOKEN_PASSWORDS
CREDENTIALS = {"username_env": "REG_TEST_USER", "password_env": "REG_TEST_PASSWORD"}


def login(monkeypatch: pytest.MonkeyPatch, user: str, password: str | None = None) -> None:
    monkeypatch.setenv("REG_TEST_USER", user)
    monkeypatch.setenv("REG_TEST_PASSWORD", password or PASSWORDS[user])


def connect(registry: RegistryServer) -> DistributionProvider:
    return provider_for(registry.url, credentials=CREDENTIALS)


def test_bearer_tokens_are_fetched_once_per_scope_and_never_logged(
    token_registry: RegistryServer,
    token_pusher: Pusher,
    tokens: TokenServer,
    repo: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    old = token_pusher.image(repo, "0.0.0-old", "2026-01-01T00:00:00Z")
    token_pusher.image(repo, "0.0.0-new", "2026-05-30T00:00:00Z")
    token_pusher.image(repo, "v1", "2026-01-01T00:00:00Z")
    login(monkeypatch, "admin")
    provider = connect(token_registry)
    seen = len(tokens.requests)
    issued = len(tokens.tokens)

    assert repo in provider.list_repositories()
    provider.list_images(repo)
    change = enforcement_change("local", repo, POLICY, provider.list_images(repo), NOW)
    assert change is not None
    provider.apply(change)

    assert token_pusher.served(repo, old.digest) == 404
    asked = [(r.account, r.scopes) for r in tokens.requests[seen:]]
    assert asked == [
        ("admin", ("registry:catalog:*",)),
        ("admin", (f"repository:{repo}:pull",)),
        ("admin", (f"repository:{repo}:delete",)),
    ]
    calls = provider.api_calls()
    assert calls["GetToken"] == 3
    assert calls["GetManifest"] + calls["HeadManifest"] + calls["GetBlob"] > 3
    secrets = [PASSWORDS["admin"], *tokens.tokens[issued:]]
    assert not any(s in caplog.text for s in secrets)


def test_an_expired_token_is_fetched_again(
    token_registry: RegistryServer,
    token_pusher: Pusher,
    tokens: TokenServer,
    repo: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token_pusher.image(repo, "v1", "2026-01-01T00:00:00Z")
    login(monkeypatch, "admin")
    provider = connect(token_registry)
    monkeypatch.setattr(tokens, "lifetime", 2)
    scope = (f"repository:{repo}:pull",)

    provider.list_images(repo)
    provider.list_images(repo)
    fetched_while_fresh = sum(r.scopes == scope for r in tokens.requests)
    time.sleep(2.1)
    provider.list_images(repo)

    assert fetched_while_fresh == 1
    assert sum(r.scopes == scope for r in tokens.requests) == 2


def test_a_token_without_delete_access_is_refused_clearly(
    token_registry: RegistryServer,
    token_pusher: Pusher,
    repo: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = token_pusher.image(repo, "0.0.0-old", "2026-01-01T00:00:00Z")
    login(monkeypatch, "reader")
    provider = connect(token_registry)
    change = enforcement_change("local", repo, POLICY, provider.list_images(repo), NOW)
    assert change is not None

    with pytest.raises(
        ProviderError,
        match=rf"access denied for reader: the token grants no repository:{repo}:delete",
    ):
        provider.apply(change)
    assert token_pusher.served(repo, old.digest) == 200


def test_a_wrong_password_is_rejected_by_the_token_service(
    token_registry: RegistryServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(monkeypatch, "admin", "not-the-password")
    provider = connect(token_registry)

    with pytest.raises(IdentityError, match="rejected the credentials from environment") as err:
        provider.list_repositories()
    assert "not-the-password" not in str(err.value)


def test_anonymous_access_gets_no_access(token_registry: RegistryServer) -> None:
    provider = provider_for(token_registry.url)

    with pytest.raises(ProviderError, match=r"access denied \(anonymous\)"):
        provider.list_repositories()
