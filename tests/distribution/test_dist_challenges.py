"""Parsing what registries send: WWW-Authenticate challenges, token answers, manifest times."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from regform.providers.distribution.auth import parse_challenges, token_from_response
from regform.providers.distribution.manifests import parse_time


def test_a_bearer_challenge_keeps_commas_inside_quoted_values() -> None:
    header = (
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
        'scope="repository:team/app:pull,push"'
    )

    [challenge] = parse_challenges(header)

    assert challenge.scheme == "bearer"
    assert dict(challenge.params) == {
        "realm": "https://auth.example.com/token",
        "service": "registry.example.com",
        "scope": "repository:team/app:pull,push",
    }


def test_several_challenges_in_one_header() -> None:
    header = 'Basic realm="Registry Realm", Bearer realm="https://a/t",error="insufficient_scope"'

    challenges = parse_challenges(header)

    assert [(c.scheme, dict(c.params)) for c in challenges] == [
        ("basic", {"realm": "Registry Realm"}),
        ("bearer", {"realm": "https://a/t", "error": "insufficient_scope"}),
    ]


def test_escaped_quotes_and_unquoted_values() -> None:
    [challenge] = parse_challenges(r'Bearer realm="a \"quoted\" realm", service=plain')

    assert dict(challenge.params) == {"realm": 'a "quoted" realm', "service": "plain"}


@pytest.mark.parametrize(
    ("answer", "lifetime"),
    [
        ({"token": "tok-9f8e", "expires_in": 300}, 290.0),  # renewed 10 s early
        ({"access_token": "tok-9f8e", "expires_in": 5}, 4.5),  # short-lived: renewed 10% early
        ({"token": "tok-9f8e"}, 54.0),  # no expires_in: 60 s, per the token spec
    ],
)
def test_token_lifetimes(answer: dict[str, object], lifetime: float) -> None:
    token = token_from_response(answer, now=1000.0)

    assert token.value == "tok-9f8e"
    assert token.expires_at == pytest.approx(1000.0 + lifetime)
    assert "tok-9f8e" not in repr(token)


def test_a_token_answer_without_a_token_is_refused() -> None:
    with pytest.raises(ValueError, match="no token"):
        token_from_response({"expires_in": 60}, now=0.0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-01T00:00:00.123456789Z", datetime(2026, 2, 1, 0, 0, 0, 123456, tzinfo=UTC)),
        ("2026-02-01T02:00:00+02:00", datetime(2026, 2, 1, 0, 0, tzinfo=UTC)),
        ("2026-02-01T00:00:00", datetime(2026, 2, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("1970-01-01T00:00:00Z", None),
        ("yesterday", None),
        (None, None),
    ],
)
def test_creation_times(text: str | None, expected: datetime | None) -> None:
    assert parse_time(text) == expected
