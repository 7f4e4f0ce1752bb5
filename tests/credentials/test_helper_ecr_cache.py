"""The credential helper's ECR token cache, with the clock injected: moto's tokens expire on
2015-01-01, so the tests live in late 2014. A cached token is answered without AWS until shortly
before it expires; then a new one is fetched."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from credential_clients import mode
from ecr_config import HOST, MOTO_PASSWORD, write_ecr_config

from regform.credentials.cache import REFRESH_MARGIN, TokenCache, default_cache_file
from regform.credentials.helper import NOT_FOUND, main

pytestmark = pytest.mark.server

EXPIRY = datetime(2015, 1, 1, tzinfo=UTC)
#: an endpoint nothing listens on: a fetch fails, only the cache can answer.
DEAD = "http://127.0.0.1:9"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def ask(action: str, request: str, clock: Clock) -> tuple[int, str]:
    out = io.StringIO()
    code = main([action], io.StringIO(request), out, now=clock)
    return code, out.getvalue()


@pytest.fixture
def helper_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_reset: str) -> Path:
    """A config on the emulator named by REGFORM_CONFIG, and a private cache directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    config = write_ecr_config(tmp_path, moto_reset)
    monkeypatch.setenv("REGFORM_CONFIG", str(config))
    return config


def point_at(config: Path, endpoint: str) -> None:
    text = config.read_text()
    start = text.index("endpoint_url: '") + len("endpoint_url: '")
    end = text.index("'", start)
    config.write_text(text[:start] + endpoint + text[end:-2] + ", retries: {max_attempts: 1}}\n")


def test_a_token_is_cached_until_shortly_before_it_expires(helper_env: Path) -> None:
    clock = Clock(EXPIRY - timedelta(hours=12))

    code, out = ask("get", HOST + "\n", clock)

    assert code == 0, out
    assert json.loads(out) == {"ServerURL": HOST, "Username": "AWS", "Secret": MOTO_PASSWORD}
    cache = default_cache_file()
    assert mode(cache) == 0o600 and mode(cache.parent) == 0o700

    point_at(helper_env, DEAD)
    clock.now = EXPIRY - REFRESH_MARGIN - timedelta(seconds=1)
    assert ask("get", HOST, clock) == (0, out)

    clock.now = EXPIRY - REFRESH_MARGIN
    code, stale = ask("get", HOST, clock)
    assert code == 1
    assert stale.startswith("regform: registry prod: cannot get an ECR token: ")
    assert len(stale.splitlines()) == 1 and MOTO_PASSWORD not in stale


def test_erase_forgets_the_cached_token(helper_env: Path) -> None:
    clock = Clock(EXPIRY - timedelta(hours=1))
    assert ask("get", HOST, clock)[0] == 0
    assert ask("list", "", clock) == (0, json.dumps({HOST: "AWS"}) + "\n")

    assert ask("erase", HOST + "\n", clock) == (0, "")

    point_at(helper_env, DEAD)
    assert ask("get", HOST, clock)[0] == 1
    assert ask("list", "", clock) == (0, "{}\n")


def test_an_expired_token_is_answered_but_never_cached(helper_env: Path) -> None:
    clock = Clock(EXPIRY + timedelta(days=1))

    code, out = ask("get", HOST, clock)

    assert code == 0
    assert json.loads(out)["Secret"] == MOTO_PASSWORD
    assert not default_cache_file().exists()


def test_hosts_of_other_accounts_regions_or_registries_are_not_found(helper_env: Path) -> None:
    clock = Clock(EXPIRY - timedelta(hours=1))
    for host in (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
        "registry.example.com",
        "https://index.docker.io/v1/",
    ):
        assert ask("get", host, clock) == (1, NOT_FOUND + "\n")


def test_store_is_refused_without_echoing_the_secret(helper_env: Path) -> None:
    request = json.dumps({"ServerURL": HOST, "Username": "AWS", "Secret": "sentinel-7f3d"})

    code, out = ask("store", request, Clock(EXPIRY))

    assert code == 1
    assert out == (
        f"regform: credentials for {HOST} come from the regform config; store is not supported\n"
    )


def test_login_helper_caches_the_token_it_fetched(helper_env: Path, tmp_path: Path) -> None:
    from regform.config import load_config
    from regform.credentials.login import login

    clock = Clock(EXPIRY - timedelta(hours=2))
    auth_file = tmp_path / "auth.json"
    auth_file.write_text(json.dumps({"auths": {HOST: {"auth": "QVdTOnN0YWxl"}}}))
    cache = TokenCache(default_cache_file(), clock)

    results = login(load_config(helper_env), auth_file, helper=True, cache=cache)

    assert [(r.registry, r.key, r.helper) for r in results] == [("prod", HOST, True)]
    assert json.loads(auth_file.read_text()) == {"auths": {}, "credHelpers": {HOST: "regform"}}
    point_at(helper_env, DEAD)
    code, out = ask("get", HOST, clock)
    assert (code, json.loads(out)["Secret"]) == (0, MOTO_PASSWORD)


@pytest.mark.parametrize(
    "cache_text",
    [
        json.dumps(
            {
                "format": 1,
                "tokens": {
                    HOST: {
                        "registry": "prod",
                        "username": "AWS",
                        "secret": "sentinel-old",
                        "expires_at": "2099-01-01",  # no time zone: not one regform wrote
                    }
                },
            }
        ),
        '{"format": 1, "tokens": ' + "[" * 50_000 + "]" * 50_000 + "}",
    ],
    ids=["expiry without a time zone", "nested too deeply"],
)
def test_a_cache_file_regform_did_not_write_is_ignored(helper_env: Path, cache_text: str) -> None:
    cache = default_cache_file()
    cache.parent.mkdir(parents=True)
    cache.write_text(cache_text)

    code, out = ask("get", HOST, Clock(EXPIRY - timedelta(hours=1)))

    assert code == 0, out
    assert json.loads(out)["Secret"] == MOTO_PASSWORD
