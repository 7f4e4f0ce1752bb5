"""Hostile and mistaken configs (tests/config/hostile/, one case per file, the exact expected
issues beside it in NAME.errors.txt) through the loader, ``regform validate`` and ``regform plan``.

Each must: report exactly its issues, located (file:line:col); exit 1 from both commands, with
no traceback; make no network call (any HTTP goes to a counting server on loopback: proxies and
the AWS endpoint point there); and never print a credential from the environment (a sentinel).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from regform.cli import app
from regform.config import validate_paths

HOSTILE = Path(__file__).parent / "hostile"
CASES = sorted(HOSTILE.glob("*.errors.txt"))
SENTINEL = "SENTINEL-7c1f9e"
#: the environment of every case: credentials hold the sentinel, other variables test values
ENV = {
    "REGFORM_TEST_JSON": '{"team": "a"}',
    "REGFORM_TEST_PRIVATE": f"Bad Name {SENTINEL}",
    "REGFORM_TEST_REGISTRY_KEY": SENTINEL,
    "REGFORM_TEST_USER": "ci",
    "AWS_SECRET_ACCESS_KEY": SENTINEL,
    "AWS_SESSION_TOKEN": SENTINEL,
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "DB_PASSWORD": SENTINEL,
    "CI_JOB_TOKEN": SENTINEL,
}


def _name(expected: Path) -> str:
    return expected.name.removesuffix(".errors.txt")


class _Counter(BaseHTTPRequestHandler):
    requests: list[str] = []

    def _count(self) -> None:
        type(self).requests.append(f"{self.command} {self.path}")
        self.send_response(599)
        self.end_headers()

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_CONNECT = _count

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def counting_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def hostile_env(monkeypatch: pytest.MonkeyPatch, counting_server: str) -> list[str]:
    monkeypatch.chdir(HOSTILE)
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "AWS_ENDPOINT_URL"):
        monkeypatch.setenv(key, counting_server)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(HOSTILE / ".never"))
    _Counter.requests = []
    return _Counter.requests


def test_the_corpus_is_large_and_paired() -> None:
    configs = {p.name.removesuffix(".yaml") for p in HOSTILE.glob("*.yaml")}
    assert configs == {_name(p) for p in CASES}
    assert len(CASES) >= 60


@pytest.mark.parametrize("expected", CASES, ids=_name)
def test_hostile_config_reports_exact_located_issues(
    expected: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(HOSTILE)
    issues = validate_paths([f"{_name(expected)}.yaml"], env=ENV)
    assert issues, "a hostile config must not validate"
    assert all(issue.line is not None and issue.column is not None for issue in issues)
    assert "".join(f"{issue}\n" for issue in issues) == expected.read_text()


@pytest.mark.parametrize("command", ["validate", "plan", "plan -v"])
@pytest.mark.parametrize("expected", CASES, ids=_name)
def test_hostile_config_through_the_cli(
    expected: Path, command: str, hostile_env: list[str]
) -> None:
    source = f"{_name(expected)}.yaml"
    args = [*command.split(), source] if command == "validate" else [*command.split(), "-c", source]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    output = result.output
    assert result.exit_code == 1, output
    for line in expected.read_text().splitlines():
        assert line in output
    assert "Traceback" not in output
    assert SENTINEL not in output
    assert hostile_env == []


def test_the_counting_server_sees_a_plan_that_gets_through(
    hostile_env: list[str], tmp_path: Path
) -> None:
    # the harness can fail: a valid config's plan does reach the (counting) endpoint
    config = tmp_path / "ok.yaml"
    config.write_text("version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n")
    result = CliRunner().invoke(app, ["plan", "-c", str(config)], catch_exceptions=False)
    assert result.exit_code == 1
    assert hostile_env
    assert SENTINEL not in result.output
