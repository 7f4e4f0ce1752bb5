"""Progress goes to stderr whether or not it is a terminal: CI logs are never silent."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from emulator_config import write_config
from typer.testing import CliRunner

from regform.cli import app
from regform.cli.progress import heartbeat, reading
from regform.providers.memory import MemoryProvider


def test_a_heartbeat_repeats_until_the_work_is_done(capsys: pytest.CaptureFixture[str]) -> None:
    beats: list[str] = []
    two = threading.Event()

    def message() -> str:
        beats.append("beat")
        if len(beats) >= 2:
            two.set()
        return f"... {len(beats)} so far"

    with heartbeat(message, interval=0.01):
        assert two.wait(10)
    after = len(beats)
    time.sleep(0.05)
    assert len(beats) == after  # stopped with the work
    assert "... 1 so far\n... 2 so far\n" in capsys.readouterr().err


def test_reading_counts_calls_in_words(capsys: pytest.CaptureFixture[str]) -> None:
    provider = MemoryProvider("mem")
    provider.list_images("app")  # one call made before the first beat
    with reading({"mem": provider}, interval=0.01):
        time.sleep(0.05)
        provider.list_images("app")
        time.sleep(0.05)
    err = capsys.readouterr().err
    assert "... 1 API call made so far\n" in err
    assert "... 2 API calls made so far\n" in err
    assert "1 API calls" not in err


@pytest.mark.server
def test_apply_says_when_it_starts_and_how_far_it_got(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_reset: str, raw_ecr: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    names = "\n".join(f"  - name: svc-{i:02}" for i in range(20))
    write_config(tmp_path, moto_reset, "repositories:\n" + names + "\n")

    result = CliRunner().invoke(app, ["apply", "--auto-approve"])

    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == f"prod: reading {moto_reset}..."
    assert "Applying 20 changes..." in lines
    assert [x for x in lines if x.endswith("changes done")] == [
        f"... {n} of 20 changes done" for n in range(2, 21, 2)
    ]


def test_an_unreachable_endpoint_fails_fast_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_test_env: None
) -> None:
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, f"http://127.0.0.1:{port}", "repositories:\n  - name: app\n")

    started = time.monotonic()
    result = CliRunner().invoke(app, ["plan"])

    assert time.monotonic() - started < 10  # not ten attempts with growing pauses
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Error: registry 'prod': DescribeRepositories: cannot reach http://127.0.0.1:{port}/ "
        "(connection refused or no route)"
    )


@pytest.mark.server
def test_a_plain_http_endpoint_addressed_with_https_fails_fast_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_reset: str
) -> None:
    endpoint = moto_reset.replace("http://", "https://")  # moto's server speaks plain HTTP
    monkeypatch.chdir(tmp_path)
    write_config(tmp_path, endpoint, "repositories:\n  - name: app\n")

    started = time.monotonic()
    result = CliRunner().invoke(app, ["plan"])

    assert time.monotonic() - started < 5  # not retried
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"prod: reading {endpoint}...",  # and no "... 1 API call made so far" while retrying
        f"Error: registry 'prod': DescribeRepositories: TLS failed with {endpoint}/: the endpoint "
        "does not speak TLS: use http:// (allow_http beyond loopback) or check the port",
    ]
