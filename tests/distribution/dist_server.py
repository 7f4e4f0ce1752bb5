"""Run the real ``docker-registry`` server (CNCF Distribution, Debian package) on loopback."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from regform.model import RegistryConfig
from regform.providers.distribution.provider import DistributionProvider

#: Debian packages the tests need (``apt-get install -y docker-registry skopeo``).
REGISTRY_PACKAGE = "docker-registry"
SKOPEO_PACKAGE = "skopeo"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_binary(name: str, package: str) -> str:
    """Path of ``name``; skip the test when missing, except in CI (env CI set), where it fails."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path:
        return path
    reason = f"{name} not installed (apt-get install -y {package})"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must install it", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class RegistryServer:
    url: str
    root: Path
    config: Mapping[str, Any]

    @property
    def host(self) -> str:
        return self.url.split("://", 1)[1]


def registry_config(
    root: Path,
    port: int,
    *,
    delete: bool = True,
    auth: Mapping[str, Any] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> dict[str, Any]:
    http: dict[str, Any] = {"addr": f"127.0.0.1:{port}", "secret": "regform-tests-only"}
    if tls is not None:
        http["tls"] = {"certificate": str(tls[0]), "key": str(tls[1])}
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "data")},
            "delete": {"enabled": delete},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": http,
    }
    if auth:
        config["auth"] = dict(auth)
    return config


@contextmanager
def run_registry(
    root: Path,
    *,
    delete: bool = True,
    auth: Mapping[str, Any] | None = None,
    tls: tuple[Path, Path] | None = None,
    ca_cert: Path | None = None,
) -> Iterator[RegistryServer]:
    """Start a registry with a generated config.yml; stop it on exit."""
    binary = require_binary("docker-registry", REGISTRY_PACKAGE)
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = registry_config(root, port, delete=delete, auth=auth, tls=tls)
    config_path = root / "config.yml"
    config_path.write_text(yaml.safe_dump(config), "utf-8")
    log_path = root / "registry.log"
    scheme = "https" if tls else "http"
    url = f"{scheme}://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [binary, "serve", str(config_path)], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_ready(proc, url, ca_cert, log_path)
        yield RegistryServer(url, root, config)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, ca: Path | None, log: Path) -> None:
    deadline = time.monotonic() + 30
    verify: bool | str = str(ca) if ca else True
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"docker-registry exited: {log.read_text(errors='replace')}")
        try:
            resp = requests.get(url + "/v2/", timeout=2, verify=verify)
            if resp.status_code in (200, 401):
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    pytest.fail(f"docker-registry did not answer at {url}: {log.read_text(errors='replace')}")


def provider_config(url: str, name: str = "local", **connection: Any) -> RegistryConfig:
    conn = {"url": url, **connection}
    if url.startswith("http://"):
        conn.setdefault("allow_http", True)
    return RegistryConfig(name=name, provider="distribution", connection=conn)


def provider_for(url: str, **connection: Any) -> DistributionProvider:
    return DistributionProvider.from_config(provider_config(url, **connection))
