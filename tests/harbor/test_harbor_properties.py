"""Properties: any valid set of projects applies and then plans empty, and imports to config
that plans empty; readable rules mapped to Harbor retention keep and delete what ECR would."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from fake_harbor import running
from harbor_workspace import Workspace
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regform import build_providers, load_config, make_plan
from regform.lifecycle import compile_rules, evaluate
from regform.model import Image
from regform.providers import set_secret_destination
from regform.providers.harbor import retention
from regform.providers.harbor.rules import from_lifecycle
from regform.workflows.importer import ImportSource, import_config
from regform.workflows.importer_read import read_for_import

NAMES = st.sampled_from(["api", "web", "tools", "data-1", "ml.models"])


def _sendable(patterns: list[str]) -> bool:
    """Several patterns go as one {a,b}, which Harbor cannot read with a '/' in it."""
    return len(patterns) == 1 or not any("/" in p for p in patterns)


PATTERNS = st.lists(
    st.sampled_from(["v*", "rc-*", "**", "release/*", "latest"]),
    min_size=1,
    max_size=2,
    unique=True,
).filter(_sendable)
RETENTION_RULE = st.sampled_from(
    ["latest_pushed", "latest_pulled", "days_since_push", "days_since_pull"]
).flatmap(
    lambda kind: st.fixed_dictionaries(
        {kind: st.integers(0, 400)},
        optional={
            "tags": PATTERNS,
            "untagged": st.booleans(),
            "repositories": st.lists(
                st.sampled_from(["api", "web/**", "**"]), min_size=1, max_size=2, unique=True
            ).filter(_sendable),
            "disabled": st.booleans(),
        },
    )
)
PROJECT = st.fixed_dictionaries(
    {},
    optional={
        "public": st.booleans(),
        "scan_on_push": st.booleans(),
        "prevent_vulnerable": st.sampled_from([False, "low", "medium", "high", "critical"]),
        "reuse_sys_cve_allowlist": st.booleans(),
        "storage_quota": st.sampled_from([-1, "unlimited", "1GiB", "500MB", 123456789]),
        "retention": st.fixed_dictionaries(
            {
                "rules": st.lists(
                    RETENTION_RULE, max_size=3, unique_by=lambda r: repr(sorted(r.items()))
                )
            },
            optional={"schedule": st.sampled_from(["hourly", "daily", "none", "0 30 2 * * *"])},
        ),
        "immutable_tags": st.lists(
            st.fixed_dictionaries(
                {}, optional={"tags": PATTERNS, "exclude_repositories": PATTERNS}
            ),
            max_size=2,
            unique_by=repr,
        ),
        "members": st.fixed_dictionaries(
            {},
            optional={
                "users": st.dictionaries(
                    st.sampled_from(["alice", "bob"]),
                    st.sampled_from(["developer", "guest", "maintainer"]),
                ),
                "groups": st.dictionaries(
                    st.sampled_from(["ops"]), st.sampled_from(["projectAdmin", "limitedGuest"])
                ),
            },
        ),
        "robots": st.dictionaries(
            st.sampled_from(["ci", "deploy"]),
            st.fixed_dictionaries(
                {
                    "access": st.lists(
                        st.sampled_from(["repository:pull", "repository:push", "artifact:delete"]),
                        min_size=1,
                        unique=True,
                    )
                },
                optional={
                    "duration": st.sampled_from([-1, 30]),
                    "description": st.text("abc ", max_size=5),
                },
            ),
            max_size=2,
        ),
    },
)
PROJECTS = st.dictionaries(NAMES, PROJECT, min_size=1, max_size=3)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(projects=PROJECTS)
def test_any_projects_apply_then_plan_empty_and_import_plans_empty(
    projects: dict[str, dict[str, Any]], tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("HARBOR_USER", "admin")
    monkeypatch.setenv("HARBOR_PASSWORD", "Harbor12345")
    with running() as fake, tempfile.TemporaryDirectory(dir=tmp_path) as work:
        set_secret_destination(Path(work) / "secrets.json", False)
        try:
            body = yaml.safe_dump(
                {"repositories": [{"name": n, "registry": "hb", **p} for n, p in projects.items()]}
            )
            space = Workspace(fake, Path(work))
            config = space.write(body)
            space.apply(config)
            assert not space.plan(config).changes
            provider = build_providers(config)["hb"]
            state, _ = read_for_import(provider)
            reg = config.registries["hb"]
            result = import_config(ImportSource("hb", "harbor", dict(reg.connection)), state)
            out = Path(work) / "imported"
            out.mkdir()
            (out / "regform.yaml").write_text(yaml.safe_dump(result.data))
            imported = load_config(out)
            assert not make_plan(imported, build_providers(imported)).changes
        finally:
            set_secret_destination(None, False)
        assert fake.violations == []


NOW = datetime(2026, 6, 1, tzinfo=UTC)
READABLE_RULE = st.one_of(
    st.fixed_dictionaries({"tag_prefixes": st.just(["v"])}),
    st.fixed_dictionaries({"tag_prefixes": st.just(["pr-"])}),
    st.fixed_dictionaries({"untagged": st.just(True)}),
).flatmap(
    lambda sel: st.one_of(
        st.builds(lambda n: {**sel, "keep_last": n}, st.integers(1, 6)),
        st.builds(lambda n: {**sel, "older_than_days": n}, st.integers(1, 60)),
    )
)
TAG = st.one_of(
    st.none(),
    *(st.builds(f"{p}{{}}".format, st.integers(0, 99)) for p in ("v", "pr-", "x")),
)


@given(
    rules=st.lists(READABLE_RULE, min_size=1, max_size=3, unique_by=lambda r: next(iter(r))).filter(
        lambda rules: (
            len(
                {
                    repr(sorted(k for k in r if k.startswith(("tag", "untagged"))))
                    + repr(r.get("tag_prefixes"))
                    for r in rules
                }
            )
            == len(rules)
        )
    ),
    images=st.lists(st.tuples(TAG, st.integers(1, 24 * 90)), max_size=15, unique_by=lambda i: i[1]),
)
def test_mapped_readable_rules_delete_what_ecr_expires(
    rules: list[dict[str, Any]], images: list[tuple[str | None, int]]
) -> None:
    """One tag per image (see the README: an image with tags of two rules may differ)."""
    doc = compile_rules(rules)
    harbor_policy = from_lifecycle(doc)
    ecr_images = [
        Image(f"sha256:{i:064x}", (tag,) if tag else (), NOW - timedelta(hours=hours, minutes=7))
        for i, (tag, hours) in enumerate(images)
    ]
    artifacts = [
        retention.HarborArtifact(img.digest, img.tags, img.pushed_at, repository="api")
        for img in ecr_images
    ]
    expired = {v.image.digest for v in evaluate(doc, ecr_images, NOW).expired}
    deleted = {v.image.digest for v in retention.evaluate(harbor_policy, artifacts, NOW).selected}
    assert deleted == expired
