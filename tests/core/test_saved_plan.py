"""A saved plan is the reviewed contract: `regform apply plan.json` carries out exactly what was
reviewed, or nothing. Every edit of the plan file, and every plan made against another endpoint,
is refused with zero writes, counted at a loopback proxy in front of moto's server."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ecr_images import push_image
from emulator_config import write_config
from fault_server import FaultServer
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

READS = ("Describe", "Get", "List", "BatchGet")
BODY = """
repository_policies:
  ci-pull:
    allow_pull: ["111111111111"]
repositories:
  - name: team-a/api
    image_tag_mutability: IMMUTABLE
  - name: team-a/new
    policy: ci-pull
"""
REGISTRY = """
scope: ["team-a/*"]
prune: true
force_delete: true
"""
PUBLIC_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": "ecr:*"}],
}


@pytest.fixture
def proxy(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def writes(proxy: FaultServer) -> list[str]:
    return sorted(op for op, n in proxy.script.seen.items() for _ in range(n) if is_write(op))


def is_write(op: str) -> bool:
    return bool(op) and not op.startswith(READS)


def names(raw_ecr: Any) -> set[str]:
    return {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}


@pytest.fixture
def saved(workdir: Path, proxy: FaultServer, raw_ecr: Any) -> dict[str, Any]:
    """A reviewed plan: update team-a/api, create team-a/new, delete team-a/old (2 images)."""
    raw_ecr.create_repository(repositoryName="team-a/api")
    raw_ecr.create_repository(repositoryName="team-a/old")
    raw_ecr.create_repository(repositoryName="other/outside")
    push_image(raw_ecr, "team-a/old", "v1", "a")
    push_image(raw_ecr, "team-a/old", "v2", "b")
    write_config(workdir, proxy.url, BODY, registry=REGISTRY)
    result = CliRunner().invoke(app, ["plan", "--allow-destroy", "--out", "plan.json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((workdir / "plan.json").read_text())
    assert [(c["action"], c["name"]) for c in data["changes"]] == [
        ("create", "team-a/new"),
        ("update", "team-a/api"),
        ("delete", "team-a/old"),
    ]
    return data


def _change(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in data["changes"] if c["name"] == name)


def rename_create(data: dict[str, Any]) -> None:
    new = _change(data, "team-a/new")
    new.update(name="evil/backdoor", address="prod/evil/backdoor")
    new["after"] = {**new["after"], "name": "evil/backdoor", "repository_policy": PUBLIC_POLICY}


def update_to_delete(data: dict[str, Any]) -> None:
    api = _change(data, "team-a/api")
    api.update(action="delete", destructive=True, force_delete=True)


def delete_out_of_scope(data: dict[str, Any]) -> None:
    gone = {**_change(data, "team-a/old"), "name": "other/outside", "address": "prod/other/outside"}
    data["changes"].append(gone)


def inject_registry_policy(data: dict[str, Any]) -> None:
    data["changes"].append(
        {
            "registry": "prod",
            "kind": "registry_policy",
            "name": "registry",
            "action": "create",
            "fields": [{"path": "policy", "before": None, "after": PUBLIC_POLICY}],
            "after": {"policy": PUBLIC_POLICY},
        }
    )


def inject_repository_policy(data: dict[str, Any]) -> None:
    api = _change(data, "team-a/api")
    api["fields"].append({"path": "repository_policy", "before": None, "after": PUBLIC_POLICY})
    api["after"] = {**api["after"], "repository_policy": PUBLIC_POLICY}


def remove_guards(data: dict[str, Any]) -> None:
    data["guards"] = []
    data["approved"] = []


def truncate(data: dict[str, Any]) -> None:
    data["changes"] = data["changes"][:1]


TAMPERING: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "renamed target": (rename_create, "prod/evil/backdoor: saved create vs now no change"),
    "action changed": (update_to_delete, 'prod/team-a/api action: saved "delete" vs now "update"'),
    "out-of-scope delete": (
        delete_out_of_scope,
        "prod/other/outside: saved delete vs now no change",
    ),
    "registry policy injected": (
        inject_registry_policy,
        "prod:registry_policy/registry: saved create vs now no change",
    ),
    "repository policy injected": (
        inject_repository_policy,
        "prod/team-a/api fields.repository_policy: saved {",
    ),
    "guards removed": (remove_guards, "guard --allow-destroy (prod/team-a/old"),
    "changes truncated": (truncate, "prod/team-a/old: saved no change vs now delete"),
}


@pytest.mark.parametrize("case", sorted(TAMPERING))
def test_an_edited_plan_is_refused_with_zero_writes(
    case: str, saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any, workdir: Path
) -> None:
    edit, difference = TAMPERING[case]
    edit(saved)
    (workdir / "edited.json").write_text(json.dumps(saved))
    before = names(raw_ecr)
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "edited.json", "--allow-destroy", "--force"])

    assert result.exit_code == 1, result.output
    assert writes(proxy) == []
    assert sum(proxy.script.seen.values()) > 0  # the registry was read again
    assert "saved plan is stale: registry prod changed" in result.stderr
    assert "nothing was applied" in result.stderr
    assert difference in result.stderr, result.stderr
    assert names(raw_ecr) == before
    assert "Traceback" not in result.output


def test_the_reviewed_plan_applies_as_saved_without_flags(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    assert saved["approved"] == ["--allow-destroy"]
    assert saved["config_paths"] == ["regform.yaml"]
    assert saved["identities"]["prod"] == {
        "provider": "ecr",
        "account": "",
        "region": "us-east-1",
        "endpoint": proxy.url,
    }
    assert _change(saved, "team-a/old")["image_count"] == 2
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 0, result.output
    assert "Approved at plan time: --allow-destroy" in result.stdout
    assert "CreateRepository" in writes(proxy) and "DeleteRepository" in writes(proxy)
    assert names(raw_ecr) == {"team-a/api", "team-a/new", "other/outside"}


def test_an_image_pushed_after_the_plan_stops_the_delete(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    push_image(raw_ecr, "team-a/old", "v3", "d")
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 1
    assert writes(proxy) == []
    assert "prod/team-a/old image count: saved 2 vs now 3" in result.stderr
    assert "team-a/old" in names(raw_ecr)


def test_a_plan_made_against_another_endpoint_is_refused(
    workdir: Path,
    proxy: FaultServer,
    moto_reset: str,
    raw_ecr: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One configuration (no endpoint in it); the endpoint comes from the environment, and the
    # other endpoint serves the same contents.
    raw_ecr.create_repository(repositoryName="team-a/api")
    (workdir / "regform.yaml").write_text(
        "version: 1\nregistries:\n  prod: {provider: ecr, region: us-east-1}\n" + BODY
    )
    other = FaultServer(moto_reset)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL", other.url)
        assert CliRunner().invoke(app, ["plan", "--out", "plan.json"]).exit_code == 0
        assert other.script.seen["DescribeRepositories"] > 0
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        proxy.script.seen.clear()
        other.script.seen.clear()

        result = CliRunner().invoke(app, ["apply", "plan.json"])
    finally:
        other.close()

    assert result.exit_code == 1
    assert writes(proxy) == [] and writes(other) == []
    assert f'registry prod endpoint: saved "{other.url}" vs now "{proxy.url}"' in result.stderr
    assert names(raw_ecr) == {"team-a/api"}


def test_without_approval_apply_still_needs_the_flag(
    workdir: Path, proxy: FaultServer, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="team-a/old")
    write_config(workdir, proxy.url, BODY, registry=REGISTRY)
    planned = CliRunner().invoke(app, ["plan", "--out", "plan.json"])
    assert "apply needs --allow-destroy" in planned.stdout
    proxy.script.seen.clear()

    refused = CliRunner().invoke(app, ["apply", "plan.json"])
    assert refused.exit_code == 1
    assert "apply refused; it needs --allow-destroy" in refused.stderr
    assert writes(proxy) == []

    allowed = CliRunner().invoke(app, ["apply", "plan.json", "--allow-destroy"])
    assert allowed.exit_code == 0, allowed.output
    assert names(raw_ecr) == {"team-a/api", "team-a/new"}


def test_the_hint_after_out_is_a_command_that_works(
    workdir: Path, proxy: FaultServer, raw_ecr: Any
) -> None:
    (workdir / "registries").mkdir()
    write_config(workdir / "registries", proxy.url, BODY)
    planned = CliRunner().invoke(app, ["plan", "-c", "registries", "--out", "my plan.json"])
    assert planned.exit_code == 0, planned.output
    hint = planned.stderr.strip().rpartition("apply it with: ")[2]
    assert hint == "regform apply 'my plan.json'"

    applied = CliRunner().invoke(app, shlex.split(hint)[1:])

    assert applied.exit_code == 0, applied.output
    assert {"team-a/api", "team-a/new"} <= names(raw_ecr)


def test_a_plan_applied_twice_says_it_was_applied_with_zero_writes(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    first = CliRunner().invoke(app, ["apply", "plan.json"])
    assert first.exit_code == 0, first.output
    proxy.script.seen.clear()

    again = CliRunner().invoke(app, ["apply", "plan.json"])

    assert again.exit_code == 0, again.output
    assert writes(proxy) == []
    assert sum(proxy.script.seen.values()) > 0  # the registry was read again
    assert again.stdout == (
        "Nothing to apply: the registries already match this plan's configuration "
        "(it was applied already?)\n"
    )
    as_json = CliRunner().invoke(app, ["apply", "plan.json", "--format", "json"])
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout)["changes"] == []
    assert "Nothing to apply: the registries already match" in as_json.stderr
    assert writes(proxy) == []


def test_a_plan_partly_applied_by_hand_is_still_refused(
    saved: dict[str, Any], proxy: FaultServer, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="team-a/new")  # one of its changes, made by hand
    proxy.script.seen.clear()

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 1
    assert writes(proxy) == []
    assert "saved plan is stale: registry prod changed" in result.stderr
    assert "Nothing to apply" not in result.output
