"""A saved plan records each config file's checksum: when the configuration changed since the
plan was made, apply names the files that changed (and those added or no longer read). A plan
saved before format 1.5 (no checksums per file) still applies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

REGISTRY = (
    "version: 1\nregistries:\n  prod: {{provider: ecr, region: us-east-1, endpoint_url: '{}'}}\n"
)
API = "version: 1\nrepositories:\n  - name: team-a/api\n    image_tag_mutability: IMMUTABLE\n"
WEB = "version: 1\nrepositories:\n  - name: team-a/web\n"


@pytest.fixture
def conf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moto_reset: str) -> Path:
    monkeypatch.chdir(tmp_path)
    directory = tmp_path / "conf"
    directory.mkdir()
    (directory / "registries.yaml").write_text(REGISTRY.format(moto_reset))
    (directory / "api.yaml").write_text(API)
    (directory / "web.yaml").write_text(WEB)
    saved = CliRunner().invoke(app, ["plan", "-c", "conf", "--out", "plan.json"])
    assert saved.exit_code == 0, saved.output
    return directory


def names(raw_ecr: Any) -> set[str]:
    return {r["repositoryName"] for r in raw_ecr.describe_repositories()["repositories"]}


def test_the_plan_records_a_checksum_per_config_file(conf: Path) -> None:
    data = json.loads(Path("plan.json").read_text())
    assert data["format_version"] == "1.5"
    assert sorted(data["config_files"]) == [
        "conf/api.yaml",
        "conf/registries.yaml",
        "conf/web.yaml",
    ]
    assert all(len(v) == 64 for v in data["config_files"].values())


def test_a_stale_plan_names_the_files_changed_added_and_gone(conf: Path, raw_ecr: Any) -> None:
    (conf / "api.yaml").write_text(API.replace("IMMUTABLE", "MUTABLE"))
    (conf / "web.yaml").unlink()
    (conf / "extra.yaml").write_text("version: 1\nrepositories:\n  - name: team-a/extra\n")

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 1
    assert result.stderr.endswith(
        "Error: saved plan is stale: the configuration changed since the plan was made "
        "(changed: conf/api.yaml; new: conf/extra.yaml; no longer read: conf/web.yaml); "
        "run plan again\n"
    )
    assert names(raw_ecr) == set()


def test_a_change_no_file_shows_is_said_so(
    conf: Path, raw_ecr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TEAM", raising=False)
    (conf / "web.yaml").write_text(WEB + '    tags: {team: "${TEAM:-web}"}\n')
    again = CliRunner().invoke(app, ["plan", "-c", "conf", "--out", "plan.json"])
    assert again.exit_code == 0, again.output
    monkeypatch.setenv("TEAM", "platform")

    result = CliRunner().invoke(app, ["apply", "plan.json"])

    assert result.exit_code == 1
    assert "(no file changed: a value read from the environment" in result.stderr
    assert names(raw_ecr) == set()


def test_a_plan_without_file_checksums_still_applies_and_is_still_checked(
    conf: Path, raw_ecr: Any
) -> None:
    data = json.loads(Path("plan.json").read_text())
    del data["config_files"]
    data["format_version"] = "1.4"
    Path("old.json").write_text(json.dumps(data))

    applied = CliRunner().invoke(app, ["apply", "old.json"])
    assert applied.exit_code == 0, applied.output
    assert names(raw_ecr) == {"team-a/api", "team-a/web"}

    (conf / "web.yaml").write_text(WEB + "    scan_on_push: true\n")
    stale = CliRunner().invoke(app, ["apply", "old.json"])
    assert stale.exit_code == 1
    assert stale.stderr.endswith(
        "Error: saved plan is stale: the configuration changed since the plan was made; "
        "run plan again\n"
    )


def test_a_config_named_another_way_at_apply_is_the_same_file(conf: Path, raw_ecr: Any) -> None:
    (conf / "api.yaml").write_text(API.replace("IMMUTABLE", "MUTABLE"))

    result = CliRunner().invoke(app, ["apply", "plan.json", "-c", f"{conf}/"])

    assert result.exit_code == 1
    assert result.stderr.endswith(f"(changed: {conf}/api.yaml); run plan again\n")
    assert names(raw_ecr) == set()
