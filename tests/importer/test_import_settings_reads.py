"""``regform import`` reading registry settings through a loopback proxy in front of moto's
server: an operation the endpoint does not implement is asked once, not retried; a kind that could
not be read makes the exit code 1 unless ``--settings`` left it out; a throttled read is retried."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fault_server import THROTTLED, Fault, FaultServer
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

REGION = "us-east-1"
#: the settings reads moto's server answers with an HTML 500 page (it does not implement them)
MISSING = {
    "pull_through_cache_rules": "DescribePullThroughCacheRules",
    "creation_templates": "DescribeRepositoryCreationTemplates",
}


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


def run_import(proxy: FaultServer, *flags: str) -> Any:
    cmd = ["import", "--registry", "prod", "--region", REGION, "--endpoint-url", proxy.url]
    return CliRunner().invoke(app, [*cmd, *flags])


def test_an_unimplemented_settings_read_is_asked_once_and_fails_the_import(
    proxy: FaultServer, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="app")

    result = run_import(proxy)

    assert result.exit_code == 1, result.output
    for kind, op in MISSING.items():
        assert proxy.script.seen[op] == 1, op  # not retried
        assert any(
            line.startswith(f"Warning: {kind} not imported: ") and op in line and "500" in line
            for line in result.stderr.splitlines()
        ), result.stderr
    error = result.stderr.splitlines()[-1]
    assert error.startswith("Error: registry settings not imported: ")
    assert "pull_through_cache_rules, creation_templates" in error
    assert "--settings registry_policy,scanning,replication" in error
    data = yaml.safe_load(result.stdout)  # the rest is still written
    assert [e["name"] for e in data["repositories"]] == ["app"]


def test_settings_left_out_with_the_settings_option_do_not_fail_the_import(
    proxy: FaultServer, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="app")

    result = run_import(proxy, "--settings", "registry_policy,scanning,replication")

    assert result.exit_code == 0, result.output
    assert "Warning" not in result.stderr and "Error" not in result.stderr
    assert all(proxy.script.seen[op] == 0 for op in MISSING.values())


def test_a_throttled_or_failing_settings_read_is_retried_and_imported(
    proxy: FaultServer, raw_ecr: Any
) -> None:
    raw_ecr.put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
            }
        ],
    )
    server_error = Fault(500, {"__type": "ServerException", "message": "try again"})
    proxy.fail("GetRegistryScanningConfiguration", THROTTLED, server_error)
    proxy.fail("GetRegistryPolicy", Fault(403, {"__type": "AccessDeniedException"}))

    result = run_import(proxy, "--settings", "registry_policy,scanning")

    assert result.exit_code == 1, result.output
    scanning = yaml.safe_load(result.stdout)["registries"]["prod"]["settings"]["scanning"]
    assert scanning == {
        "scan_type": "ENHANCED",
        "rules": [{"frequency": "SCAN_ON_PUSH", "filters": ["*"]}],
    }
    assert proxy.script.seen["GetRegistryScanningConfiguration"] == 3
    assert proxy.script.seen["GetRegistryPolicy"] == 1  # a refusal is not retried
    assert "Warning: registry_policy not imported: " in result.stderr
    assert "AccessDeniedException" in result.stderr
    assert result.stderr.splitlines()[-1].startswith(
        "Error: registry settings not imported: registry_policy (see the warnings)"
    )
