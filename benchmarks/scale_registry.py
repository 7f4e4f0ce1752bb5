"""The registry the plan benchmark reads: N repositories in 10 groups, all declared, each with a
lifecycle policy, a repository policy and tags; a few percent drifted from the config.

Group ``g`` (payments, search, ...) holds ``<group>/svc-<00000>`` names and uses lifecycle
``lc-<g % 4>``, policy ``pol-<g % 3>`` and tags ``team``/``cost-center`` (plus the default
``managed-by=regform``): 1,000 repositories share a handful of documents, as they do in practice.

Drift (seeded into the emulator, not in the config) depends on the index ``j`` within the group:
``j % 100 == 7`` another ``team`` tag value, ``11`` another lifecycle policy, ``13`` no
repository policy, ``17`` another repository policy. Four repositories in a hundred differ.

Recordings of moto's responses for a small registry can be stretched to any N
(:func:`template_recording`): each repository answers like the recorded repository of the same
group and drift kind, with its own name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from replay_server import Recording, Reply, request_key

REGISTRY = "bench"
REGION = "us-east-1"
GROUPS = (
    "payments",
    "search",
    "identity",
    "catalog",
    "checkout",
    "platform",
    "ml",
    "data",
    "web",
    "infra",
)
TARGET = "AmazonEC2ContainerRegistry_V20150921."
PAGE = 1000
DRIFT = {7: "tags", 11: "lifecycle", 13: "no-policy", 17: "policy"}

LIFECYCLES = """
lifecycle_policies:
  lc-0:
    - {description: expire untagged images after 2 days, untagged: true, older_than_days: 2}
    - {description: keep the last 30 releases, tag_patterns: ["v*"], keep_last: 30}
  lc-1:
    - {description: expire untagged images after 7 days, untagged: true, older_than_days: 7}
    - {description: expire PR builds, tag_prefixes: ["pr-", "0.0.0-"], older_than_days: 14}
    - {description: keep the last 100 images, any: true, keep_last: 100}
  lc-2:
    - {description: keep the last 10 model images, any: true, keep_last: 10}
  lc-3:
    - {description: expire untagged images after 1 day, untagged: true, older_than_days: 1}
    - {description: keep 50 releases, tag_patterns: ["v*.*.*"], keep_last: 50}
    - {description: expire branch builds, tag_prefixes: ["branch-"], older_than_days: 30}
"""
POLICIES = """
repository_policies:
  pol-0:
    allow_pull: ["111111111111", "222222222222"]
  pol-1:
    allow_pull: ["111111111111", "arn:aws:iam::333333333333:role/eks-nodes"]
    allow_push: ["arn:aws:iam::444444444444:role/ci-runner"]
  pol-2:
    allow_pull: ["555555555555"]
"""


@dataclass(frozen=True, slots=True)
class Repo:
    name: str
    group: int
    index: int

    @property
    def drift(self) -> str | None:
        return DRIFT.get(self.index % 100)


def group_sizes(n: int) -> list[int]:
    base, extra = divmod(n, len(GROUPS))
    return [base + (1 if g < extra else 0) for g in range(len(GROUPS))]


def repositories(n: int) -> Iterator[Repo]:
    for g, size in enumerate(group_sizes(n)):
        for j in range(size):
            yield Repo(f"{GROUPS[g]}/svc-{j:05d}", g, j)


def config_text(n: int, endpoint: str) -> str:
    lines = [
        "version: 1",
        "registries:",
        f"  {REGISTRY}:",
        "    provider: ecr",
        f"    region: {REGION}",
        f"    endpoint_url: {endpoint}",
        "defaults:",
        f"  registry: {REGISTRY}",
        "  image_tag_mutability: IMMUTABLE",
        "  scan_on_push: true",
        "  tags: {managed-by: regform}",
        LIFECYCLES.strip(),
        POLICIES.strip(),
        "repositories:",
    ]
    for g, size in enumerate(group_sizes(n)):
        if not size:
            continue
        names = (
            f"{GROUPS[g]}/svc-{{00000..{size - 1:05d}}}" if size > 1 else f"{GROUPS[g]}/svc-00000"
        )
        lines += [
            f'  - names: ["{names}"]',
            f"    lifecycle: lc-{g % 4}",
            f"    policy: pol-{g % 3}",
            f"    tags: {{team: {GROUPS[g]}, cost-center: cc-{g:03d}}}",
        ]
    return "\n".join(lines) + "\n"


def write_config(directory: Path, n: int, endpoint: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "regform.yaml"
    path.write_text(config_text(n, endpoint))
    return path


def seed(ecr: Any, config: Any, n: int, workers: int = 8) -> None:
    """Create the N repositories on the emulator as declared, with the drift described above."""
    from regform.model import Repository

    declared: dict[str, Repository] = dict(config.registries[REGISTRY].repositories)
    lifecycles = sorted({json.dumps(r.lifecycle_policy, sort_keys=True) for r in declared.values()})
    policies = sorted({json.dumps(r.repository_policy, sort_keys=True) for r in declared.values()})

    def other(options: list[str], current: Any) -> str:
        text = json.dumps(current, sort_keys=True)
        return next(o for o in options if o != text) if len(options) > 1 else "{}"

    def one(repo: Repo) -> None:
        want = declared[repo.name]
        tags = dict(want.tags)
        if repo.drift == "tags":
            tags["team"] = "previous-owner"
        ecr.create_repository(
            repositoryName=repo.name,
            imageTagMutability=want.image_tag_mutability,
            imageScanningConfiguration={"scanOnPush": want.scan_on_push},
            tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        )
        lifecycle = json.dumps(want.lifecycle_policy)
        if repo.drift == "lifecycle":
            lifecycle = other(lifecycles, want.lifecycle_policy)
        ecr.put_lifecycle_policy(repositoryName=repo.name, lifecyclePolicyText=lifecycle)
        if repo.drift == "no-policy":
            return
        policy = json.dumps(want.repository_policy)
        if repo.drift == "policy":
            policy = other(policies, want.repository_policy)
        ecr.set_repository_policy(repositoryName=repo.name, policyText=policy)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, repositories(n)))


def expected_changes(n: int) -> int:
    """Repositories whose plan shows an update (one per drifted repository)."""
    return sum(1 for r in repositories(n) if r.drift)


# Templated recordings -----------------------------------------------------------------------


def _templates(source_n: int) -> dict[tuple[int, str | None], str]:
    """(group, drift kind) -> the first recorded repository of that kind."""
    out: dict[tuple[int, str | None], str] = {}
    for repo in repositories(source_n):
        out.setdefault((repo.group, repo.drift), repo.name)
    return out


def _listing_key(token: str | None) -> str:
    params: dict[str, Any] = {"maxResults": PAGE}
    if token:
        params["nextToken"] = token
    return request_key(TARGET + "DescribeRepositories", json.dumps(params).encode())


def template_recording(source: Recording, source_n: int, n: int) -> Recording:
    """A recording for N repositories made from one recorded for ``source_n`` (see the module
    docstring). The listing is cut into pages of 1000 as ECR pages it."""
    templates = _templates(source_n)
    needed = {(g, k) for g in range(len(GROUPS)) for k in (None, *DRIFT.values())}
    missing = needed - templates.keys()
    if missing:
        raise ValueError(f"source registry of {source_n} lacks repositories of kinds {missing}")
    listing = json.loads(source[_listing_key(None)].body)
    entries = {e["repositoryName"]: e for e in listing["repositories"]}
    by_template: dict[str, list[tuple[str, Reply]]] = {name: [] for name in templates.values()}
    for key, reply in source.items():
        for name, found in by_template.items():
            if f'"{name}"' in key or f"/{name}" in key:
                found.append((key, reply))
    out: Recording = {}
    page: list[Any] = []
    pages: list[list[Any]] = []
    for repo in repositories(n):
        template = templates[(repo.group, repo.drift)]
        old, new = template.encode(), repo.name.encode()
        for key, reply in by_template[template]:
            body = reply.body.replace(old, new)
            out[key.replace(template, repo.name)] = Reply(reply.status, body, reply.headers)
        page.append(json.loads(json.dumps(entries[template]).replace(template, repo.name)))
        if len(page) == PAGE:
            pages.append(page)
            page = []
    if page or not pages:
        pages.append(page)
    for i, items in enumerate(pages):
        body: dict[str, Any] = {"repositories": items}
        if i + 1 < len(pages):
            body["nextToken"] = f"page-{i + 1}"
        key = _listing_key(f"page-{i}" if i else None)
        out[key] = Reply(200, json.dumps(body).encode())
    return out
