"""Shared fixtures: an AWS emulator (moto in server mode) reached over real HTTP on loopback."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests

from regform.model import RegistryConfig

REGION = "us-east-1"
#: the account moto answers for when credentials name no other.
MOTO_ACCOUNT = "123456789012"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def aws_test_env() -> Iterator[None]:
    """Dummy credentials and region for the whole run; real AWS config is never read."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
            mp.delenv(var, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        mp.setenv("AWS_REGION", REGION)
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        yield


@pytest.fixture(scope="session")
def moto_server(aws_test_env: None) -> Iterator[str]:
    """A moto server on a free loopback port for the whole run; yields its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def moto_reset(moto_server: str) -> str:
    """Start the test from an empty emulator; yields the endpoint URL."""
    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    return moto_server


@pytest.fixture
def ecr_registry(moto_reset: str) -> Callable[..., RegistryConfig]:
    """``ecr_registry(name, **connection)``: an ECR RegistryConfig on the emulator."""

    def build(name: str = "main", **connection: Any) -> RegistryConfig:
        conn: dict[str, Any] = {"region": REGION, "endpoint_url": moto_reset}
        conn.update(connection)
        return RegistryConfig(name=name, provider="ecr", connection=conn)

    return build


@pytest.fixture
def raw_ecr(moto_reset: str) -> Any:
    """A plain boto3 ECR client on the emulator, for seeding and inspecting state."""
    return boto3.client("ecr", region_name=REGION, endpoint_url=moto_reset)


@pytest.fixture
def raw_kms(moto_reset: str) -> Any:
    return boto3.client("kms", region_name=REGION, endpoint_url=moto_reset)
