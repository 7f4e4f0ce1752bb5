"""The README's sample sessions are real: each block marked ``<!-- sample: NAME -->`` is run.

A sample is a sequence of ``$ COMMAND`` lines, each followed by what it prints. Every command runs
in bash, in a directory set up as the README describes (a config on moto's server, images pushed,
a first apply), with the installed ``regform`` and ``docker-credential-regform`` on PATH. What it
prints on stdout (and on stderr when it fails) must equal the lines that follow it, after three
substitutions a reader would not notice: the scenario's directory reads ``/tmp/demo``, moto's port
``5077``, and clock times ``YYYY-MM-DD hh:mm:ss``. A line ``...`` stands for any lines.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from credential_clients import client_env
from ecr_images import push_image

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parents[2]
MARK = re.compile(r"<!-- sample: ([a-z0-9-]+) -->")
TIME = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")
SHOWN_PORT = "5077"


@dataclass(frozen=True)
class Step:
    command: str
    expected: list[str]


def readme_samples() -> dict[str, list[Step]]:
    """Every marked block of the README, as its commands and their expected output."""
    lines = (ROOT / "README.md").read_text().splitlines()
    found: dict[str, list[Step]] = {}
    for i, line in enumerate(lines):
        mark = MARK.fullmatch(line.strip())
        if not mark:
            continue
        assert lines[i + 1].startswith("```"), f"README line {i + 2}: a sample is a code block"
        end = lines.index("```", i + 2)
        steps: list[Step] = []
        for text in lines[i + 2 : end]:
            if text.startswith("$ "):
                steps.append(Step(text[2:], []))
            else:
                assert steps, f"README line {i + 3}: a sample starts with a '$ ' command"
                steps[-1].expected.append(text)
        found[mark.group(1)] = steps
    return found


def as_pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(re.escape(TIME.sub("YYYY-MM-DD hh:mm:ss", line)) + r"\n")
    return re.compile("".join(parts))


@dataclass
class Scenario:
    directory: Path
    env: dict[str, str]
    endpoint: str

    def write(self, relative: str, text: str) -> None:
        path = self.directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).replace("ENDPOINT", self.endpoint))

    def run(self, command: str) -> str:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        out = done.stdout + (done.stderr if done.returncode else "")
        out = out.replace(str(self.directory), "/tmp/demo")
        return out.replace(self.endpoint, f"http://127.0.0.1:{SHOWN_PORT}")

    def check(self, name: str) -> None:
        steps = readme_samples()[name]
        assert steps, f"README sample {name!r} has no command"
        for step in steps:
            out = self.run(step.command)
            if os.environ.get("README_SAMPLES_UPDATE") == "1":
                rewrite_sample(name, step, out)
                continue
            assert as_pattern(step.expected).fullmatch(TIME.sub("YYYY-MM-DD hh:mm:ss", out)), (
                f"README sample {name!r}: `{step.command}` printed:\n{out}"
            )


def rewrite_sample(name: str, step: Step, out: str) -> None:
    """``README_SAMPLES_UPDATE=1``: put what the command printed under it in the README (a
    maintenance aid after an intended output change; ``...`` cuts are then made by hand)."""
    readme = ROOT / "README.md"
    text = readme.read_text()
    start = text.index(f"<!-- sample: {name} -->")
    head = text.index(f"$ {step.command}\n", start) + len(step.command) + 3
    old = "".join(f"{line}\n" for line in step.expected)
    assert text[head : head + len(old)] == old
    readme.write_text(text[:head] + out + text[head + len(old) :])


@pytest.fixture
def scenario(tmp_path: Path, moto_reset: str) -> Scenario:
    env = client_env(tmp_path, {"DOCKER_CONFIG": str(tmp_path / "docker")})
    return Scenario(tmp_path, env, moto_reset)


PLAN_BEFORE = textwrap.dedent(
    """\
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1, endpoint_url: "ENDPOINT"}
    defaults:
      tags: {managed-by: regform}
    lifecycle_policies:
      pr-builds:
        - {description: pull request builds, tag_prefixes: ["pr-"], keep_last: 5}
        - {description: releases, tag_patterns: ["v*"], keep_last: 20}
    repository_policies:
      cross-account-pull:
        allow_pull: ["arn:aws:iam::444455556666:role/deploy"]
    repositories:
      - {name: team-a/api, tags: {team: web}, lifecycle: pr-builds, policy: cross-account-pull}
      - name: team-b/svc-1
    """
)


def test_plan_sample(scenario: Scenario, raw_kms: Any) -> None:
    key = raw_kms.create_key(Description="team-b")["KeyMetadata"]["KeyId"]
    raw_kms.create_alias(AliasName="alias/team-b", TargetKeyId=key)
    scenario.write("regform.yaml", PLAN_BEFORE)
    assert "Apply complete" in scenario.run("regform apply --auto-approve")
    after = (
        PLAN_BEFORE.replace("keep_last: 20", "keep_last: 15")
        .replace("team: web}", "team: webx}")
        .replace('role/deploy"]', 'role/deploy", "arn:aws:iam::444455556666:role/ci"]')
        + "  - {name: team-a/worker, image_tag_mutability: IMMUTABLE}\n"
        + "  - {name: team-b/svc-1, encryption: {type: KMS, kms_key: alias/team-b}}\n"
    ).replace("  - name: team-b/svc-1\n", "")
    scenario.write("regform.yaml", after)
    scenario.check("plan")


PREVIEW_CONFIG = textwrap.dedent(
    """\
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1, endpoint_url: "ENDPOINT"}
    lifecycle_policies:
      pr-builds:
        - {description: pull request builds, tag_prefixes: ["pr-"], keep_last: 3}
        - {description: releases, tag_patterns: ["v*"], keep_last: 20}
    repositories:
      - {name: api, lifecycle: pr-builds}
      - {name: new-svc, lifecycle: pr-builds}
    """
)


def next_second() -> None:
    """Sleep until just after the clock's next whole second: the emulator records push times in
    whole seconds, so images pushed right after it share one push time (their order is then the
    digest's, as the sample shows) and images pushed after the next one are newer."""
    now = time.time()
    time.sleep(math.floor(now) + 1.02 - now)


def test_lifecycle_preview_samples(scenario: Scenario, raw_ecr: Any) -> None:
    raw_ecr.create_repository(repositoryName="api")
    next_second()
    for n in range(3):
        push_image(raw_ecr, "api", f"pr-{n}", layer="0123456789"[n])
    next_second()
    for n in range(3, 6):
        push_image(raw_ecr, "api", f"pr-{n}", layer="0123456789"[n])
    push_image(raw_ecr, "api", "v1.0", layer="f")
    push_image(raw_ecr, "api", "latest", layer="f")
    scenario.write("regform.yaml", PREVIEW_CONFIG)
    scenario.check("plan-lifecycle-preview")
    scenario.check("lifecycle-preview")


def test_ensure_sample(scenario: Scenario) -> None:
    scenario.write(
        "config/regform.yaml",
        """\
        version: 1
        registries:
          prod: {provider: ecr, region: us-east-1, endpoint_url: "ENDPOINT"}
        lifecycle_policies:
          app-images: [{untagged: true, older_than_days: 1}]
        repositories:
          - pattern: "apps/*"
            cache: true
            image_tag_mutability: IMMUTABLE
            lifecycle: app-images
        """,
    )
    scenario.check("ensure")


CREDENTIALS = """\
    version: 1
    registries:
      prod:
        provider: ecr
        region: us-east-1
        endpoint_url: ENDPOINT
      hub:
        provider: dockerhub
        credentials: {username_env: HUB_USER, token_env: HUB_TOKEN}
    """


@pytest.mark.parametrize(
    "sample",
    ["login", "login-helper", "helper-get", "pull-secret", "registries"],
)
def test_credential_samples(scenario: Scenario, sample: str) -> None:
    scenario.env.update(HUB_USER="octocat", HUB_TOKEN="dckr_pat_not_a_real_token")
    scenario.write("regform.yaml", CREDENTIALS)
    if sample == "helper-get":
        scenario.run("regform login --docker --helper")
    scenario.check(sample)


def test_the_ci_steps_run_as_written(scenario: Scenario, raw_ecr: Any) -> None:
    """The two ``run:`` lines of the README's CI snippet: plan for review, then apply it."""
    readme = (ROOT / "README.md").read_text()
    block = readme.split("# pull request: comment the plan")[1].split("```")[0]
    runs = [line.split("- run: ", 1)[1] for line in block.splitlines() if "- run: " in line]
    assert len(runs) == 2
    scenario.write(
        "registries/prod.yaml",
        """\
        version: 1
        registries:
          prod: {provider: ecr, region: us-east-1, endpoint_url: "ENDPOINT"}
        repositories:
          - {name: apps/api, image_tag_mutability: IMMUTABLE}
        """,
    )
    plan = subprocess.run(["bash", "-c", runs[0]], cwd=scenario.directory, env=scenario.env)
    assert plan.returncode == 0
    assert "1 to create" in (scenario.directory / "plan.md").read_text()
    apply = subprocess.run(
        ["bash", "-c", runs[1]], cwd=scenario.directory, env=scenario.env, capture_output=True
    )
    assert apply.returncode == 0, apply.stderr
    (repo,) = raw_ecr.describe_repositories()["repositories"]
    assert (repo["repositoryName"], repo["imageTagMutability"]) == ("apps/api", "IMMUTABLE")


DRIFT_CONFIG = textwrap.dedent(
    """\
    version: 1
    registries:
      prod: {provider: ecr, region: us-east-1, endpoint_url: "ENDPOINT"}
    lifecycle_policies:
      pr-builds:
        - {description: pull request builds, tag_prefixes: ["pr-"], keep_last: 5}
        - {description: releases, tag_patterns: ["v*"], keep_last: 20}
    repositories:
      - {name: team-a/api, tags: {team: web}, lifecycle: pr-builds}
    """
)


def test_drift_sample(scenario: Scenario, raw_ecr: Any) -> None:
    scenario.write("regform.yaml", DRIFT_CONFIG)
    assert "Apply complete" in scenario.run("regform apply --auto-approve")
    (repo,) = raw_ecr.describe_repositories()["repositories"]
    raw_ecr.tag_resource(resourceArn=repo["repositoryArn"], tags=[{"Key": "team", "Value": "ops"}])
    policy = json.loads(
        raw_ecr.get_lifecycle_policy(repositoryName="team-a/api")["lifecyclePolicyText"]
    )
    policy["rules"][1]["selection"]["countNumber"] = 10
    policy["rules"].append(
        {
            "rulePriority": 3,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
    )
    raw_ecr.put_lifecycle_policy(
        repositoryName="team-a/api", lifecyclePolicyText=json.dumps(policy)
    )
    scenario.check("drift")


def test_every_marked_sample_is_checked() -> None:
    checked = {
        "plan",
        "plan-lifecycle-preview",
        "lifecycle-preview",
        "ensure",
        "login",
        "login-helper",
        "helper-get",
        "pull-secret",
        "registries",
        "drift",
        "harbor-retention",  # test_readme_providers.py
        "distribution-retention",  # test_readme_providers.py
    }
    assert set(readme_samples()) == checked
