"""The command line: ``regform plan`` preview flags and ``regform lifecycle preview REPO``, run
with typer's CliRunner against moto's ECR server over HTTP."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ecr_images import push_image
from emulator_config import REGION, write_config
from preview_env import BY_AGE, BY_COUNT, put_policy
from typer.testing import CliRunner

from regform.cli import app

pytestmark = pytest.mark.server

REPOSITORIES = """
repositories:
  - name: api
    lifecycle: pr-builds
  - name: web
    lifecycle: pr-builds
  - name: tools
    scan_on_push: false
"""
#: a time by which every image pushed now is older than 30 days.
LATER = (datetime.now(UTC) + timedelta(days=60)).isoformat(timespec="seconds")
KEEP_ONE_PR = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "one PR build",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["pr-"],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
    ]
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def images(moto_reset: str, raw_ecr: Any) -> dict[str, str]:
    """tag -> digest of api's images (pr-0..pr-4, one release as v1.0 and latest); web holds
    pr-0..pr-2 and KEEP_ONE_PR; tools one image and no policy."""
    for name in ("api", "web", "tools"):
        raw_ecr.create_repository(repositoryName=name)
    digests = {
        f"pr-{i}": push_image(raw_ecr, "api", f"pr-{i}", layer) for i, layer in enumerate("abcde")
    }
    digests["v1.0"] = push_image(raw_ecr, "api", "v1.0", "f")
    push_image(raw_ecr, "api", "latest", "f")
    for i, layer in enumerate("123"):
        push_image(raw_ecr, "web", f"pr-{i}", layer)
    push_image(raw_ecr, "tools", "t", "7")
    put_policy(raw_ecr, "web", KEEP_ONE_PR)
    return digests


def run(runner: CliRunner, *args: str) -> Any:
    return runner.invoke(app, list(args))


def rows(output: str) -> dict[str, list[str]]:
    """The image table of ``lifecycle preview``: short digest -> the other columns."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("DIGEST "))
    table = [re.split(r"\s{2,}", line) for line in lines[start + 1 :]]
    return {cells[0]: cells[1:] for cells in table}


def test_plan_flags_choose_which_repositories_are_read(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_COUNT + REPOSITORIES))

    default = json.loads(run(runner, "plan", "-c", cfg, "-f", "json").stdout)
    every = json.loads(run(runner, "plan", "-c", cfg, "-f", "json", "--lifecycle-preview").stdout)
    off = run(runner, "plan", "-c", cfg, "--no-lifecycle-preview", "-f", "json")

    # api gets the policy (changes); web's differs from the declared one (changes too)
    assert default["api_calls"]["DescribeImages"] == 2
    assert {c["name"]: c["preview"]["expire"] for c in default["changes"]} == {"api": 3, "web": 1}
    assert every["api_calls"]["DescribeImages"] == 2  # tools manages no policy: never read
    assert every["lifecycle_previews"] == []
    assert off.exit_code == 0
    assert "DescribeImages" not in json.loads(off.stdout)["api_calls"]

    text = run(runner, "plan", "-c", cfg)
    assert text.exit_code == 0, text.output
    assert re.search(r"# lifecycle would expire 3 of 6 images now and keep 3: pr-\d", text.stdout)


#: the words of ECR's previews, as the JSON plan carries them.
ECR_WORDS = {
    "policy": "lifecycle",
    "remove": "expire",
    "item": "image",
    "items": "images",
    "archive": "archive",
    "holder": "repository",
}
#: the preview table heading of an ECR plan in markdown.
ECR_TABLE = (
    "**Lifecycle preview** (what each policy would do to the images there now)\n\n"
    "| Repository | Lifecycle policy | Images | Expire | Archive | Keep | Oldest affected |\n"
)


def test_saved_plans_keep_ecrs_lifecycle_words_old_ones_included(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_COUNT + REPOSITORIES))
    saved = tmp_path / "plan.json"
    text = run(runner, "plan", "-c", cfg, "--out", str(saved))
    document = json.loads(saved.read_text())
    # the same plan as a regform that wrote format 1.3 saved it: previews carried no words
    old = tmp_path / "old-plan.json"
    old_document = {**json.loads(saved.read_text()), "format_version": "1.3"}
    for change in old_document["changes"]:
        del change["preview"]["words"]
    old.write_text(json.dumps(old_document))

    shown = run(runner, "show", str(saved))
    shown_md = run(runner, "show", str(saved), "-f", "markdown")
    shown_old = run(runner, "show", str(old))
    shown_old_md = run(runner, "show", str(old), "-f", "markdown")

    assert text.exit_code == 0, text.output
    line = (
        r"\n          # lifecycle would expire 3 of 6 images now and keep 3: pr-\d, pr-\d, pr-\d\n"
    )
    assert re.search(line, text.stdout), text.stdout
    assert shown.stdout == shown_old.stdout == text.stdout
    assert ECR_TABLE in shown_md.stdout and shown_old_md.stdout == shown_md.stdout
    assert document["format_version"] == "1.5"
    assert [c["preview"]["words"] for c in document["changes"]] == [ECR_WORDS, ECR_WORDS]


def test_plan_flag_previews_a_policy_the_plan_leaves_alone(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path, raw_ecr: Any
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_COUNT + REPOSITORIES))
    assert run(runner, "apply", "-c", cfg, "--auto-approve").exit_code == 0

    default = run(runner, "plan", "-c", cfg)
    every = run(runner, "plan", "-c", cfg, "--lifecycle-preview")

    assert "No changes." in default.stdout and "lifecycle" not in default.stdout.lower()
    assert "Lifecycle preview of unchanged policies" in every.stdout
    assert re.search(
        r"  prod/api \(pr-builds\)  lifecycle would expire 3 of 6 images now and keep 3: "
        r"pr-\d, pr-\d, pr-\d\n",
        every.stdout,
    ), every.stdout
    assert re.search(
        r"  prod/web \(pr-builds\)  lifecycle would expire 1 of 3 images now and keep 2: pr-\d\n",
        every.stdout,
    ), every.stdout


def test_lifecycle_preview_lists_every_image_with_the_rule_that_decided_it(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_AGE + REPOSITORIES))

    result = run(runner, "lifecycle", "preview", "api", "-c", cfg, "--at", LATER)

    assert result.exit_code == 0, result.output
    first, second = result.stdout.splitlines()[:2]
    assert first.startswith('prod/api: lifecycle "pr-builds" from the configuration, evaluated at ')
    assert second == "6 images: 5 to expire, 0 to archive, 1 to keep"
    table = rows(result.stdout)
    assert len(table) == 6
    for tag, digest in images.items():
        tags, _pushed, pulled, verdict, rule = table[digest[:19]]
        if tag == "v1.0":
            assert (tags, verdict, rule) == ("v1.0,latest", "keep", "2: releases")
        else:
            assert (tags, verdict, rule) == (tag, "expire", "1: pull request builds")
        assert pulled == "-"

    now = run(runner, "lifecycle", "preview", "api", "-c", cfg)
    assert "6 images: 0 to expire, 0 to archive, 6 to keep" in now.stdout


def test_lifecycle_preview_as_json(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_AGE + REPOSITORIES))

    result = run(runner, "lifecycle", "preview", "api", "-c", cfg, "-f", "json", "--at", LATER)

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["registry"], data["repository"], data["policy_source"]) == (
        "prod",
        "api",
        "config",
    )
    assert (data["total"], data["expire"], data["transition"], data["keep"]) == (6, 5, 0, 1)
    by_digest = {i["digest"]: i for i in data["images"]}
    release = by_digest[images["v1.0"]]
    assert (release["tags"], release["verdict"], release["rule_priority"]) == (
        ["v1.0", "latest"],
        "keep",
        2,
    )
    assert release["rule_description"] == "releases"
    assert {by_digest[images[f"pr-{i}"]]["verdict"] for i in range(5)} == {"expire"}
    assert data["words"] == ECR_WORDS


def test_policy_from_registry_evaluates_what_the_registry_holds(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path, raw_ecr: Any
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_AGE + REPOSITORIES))
    put_policy(raw_ecr, "api", KEEP_ONE_PR)

    result = run(runner, "lifecycle", "preview", "api", "-c", cfg, "--policy-from", "registry")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("prod/api: the lifecycle policy in the registry now, ")
    assert "6 images: 4 to expire, 0 to archive, 2 to keep" in result.stdout
    table = rows(result.stdout)
    assert table[images["v1.0"][:19]][3:] == ["keep", "-"]  # no rule selects the release
    verdicts = sorted(table[images[f"pr-{i}"][:19]][3] for i in range(5))
    assert verdicts == ["expire"] * 4 + ["keep"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "Error: prod/nope is not declared in the configuration"),
        (["tools"], "Error: prod/tools declares no lifecycle policy"),
        (["tools", "--policy-from", "registry"], "Error: prod/tools has no lifecycle policy"),
        (["api", "--registry", "dr"], "Error: unknown registry dr (declared: prod)"),
        (["api", "--at", "soon"], "Error: --at 'soon' is not an ISO 8601 date or time"),
    ],
)
def test_lifecycle_preview_errors_exit_1(
    runner: CliRunner,
    images: dict[str, str],
    moto_reset: str,
    tmp_path: Path,
    args: list[str],
    message: str,
) -> None:
    cfg = str(write_config(tmp_path, moto_reset, BY_AGE + REPOSITORIES))

    result = run(runner, "lifecycle", "preview", *args, "-c", cfg)

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(message), result.stderr


def test_a_repository_in_two_registries_needs_registry(
    runner: CliRunner, images: dict[str, str], moto_reset: str, tmp_path: Path, raw_ecr: Any
) -> None:
    (tmp_path / "regform.yaml").write_text(
        "version: 1\n"
        "registries:\n"
        f"  prod: {{provider: ecr, region: {REGION}, endpoint_url: '{moto_reset}'}}\n"
        f"  dr: {{provider: ecr, region: us-west-2, endpoint_url: '{moto_reset}'}}\n"
        + BY_COUNT
        + "repositories:\n"
        "  - {name: api, registry: prod, lifecycle: pr-builds}\n"
        "  - {name: api, registry: dr, lifecycle: pr-builds}\n"
    )
    cfg = str(tmp_path / "regform.yaml")

    both = run(runner, "lifecycle", "preview", "api", "-c", cfg)
    one = run(runner, "lifecycle", "preview", "api", "-c", cfg, "--registry", "prod")

    assert both.exit_code == 1
    assert "api is declared in several registries (dr, prod); choose one with --registry" in (
        both.stderr
    )
    assert one.exit_code == 0, one.output
    assert "6 images: 3 to expire, 0 to archive, 3 to keep" in one.stdout
