"""Plan, apply and re-plan a retention policy against the real docker-registry server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dist_images import Pushed, Pusher
from dist_server import RegistryServer, provider_for, run_registry

from regform.errors import ProviderError, StalePlanError
from regform.lifecycle import compile_rules
from regform.plan import Action, Change
from regform.planning.retention import enforcement_change, images_checksum
from regform.providers.distribution.provider import DistributionProvider

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
POLICY = compile_rules(
    [
        {"description": "releases", "tag_prefixes": ["v"], "keep_last": 2},
        {"description": "builds", "tag_prefixes": ["0.0.0-"], "older_than_days": 14},
    ]
)


def plan(provider: DistributionProvider, repo: str) -> Change | None:
    return enforcement_change(
        "local", repo, POLICY, provider.list_images(repo), NOW, lifecycle_name="ci"
    )


def push_history(pusher: Pusher, repo: str) -> dict[str, Pushed]:
    """Releases, builds, and two multi-arch indexes, with exact creation times."""
    p: dict[str, Pushed] = {}
    old_amd = pusher.image(repo, None, "2025-12-01T00:00:00Z", arch="amd64")
    old_arm = pusher.image(repo, None, "2025-12-01T00:00:00Z", arch="arm64")
    p["v0.9"] = pusher.index(repo, "v0.9", [old_amd, old_arm])
    p["v0.9/amd64"], p["v0.9/arm64"] = old_amd, old_arm
    p["v1.0"] = pusher.image(repo, "v1.0", "2026-01-01T00:00:00Z")
    p["v1.1"] = pusher.image(repo, "v1.1", "2026-02-01T00:00:00Z", docker=True)
    p["v1.2"] = pusher.image(repo, "v1.2", "2026-03-01T00:00:00Z")
    pusher.tag(repo, "latest", p["v1.2"].digest)
    p["v2.0"] = pusher.image(repo, "v2.0", "2026-04-01T00:00:00Z")
    p["0.0.0-pr1"] = pusher.image(repo, "0.0.0-pr1", "2026-05-01T00:00:00Z")
    p["0.0.0-pr2"] = pusher.image(repo, "0.0.0-pr2", "2026-05-25T00:00:00Z")
    new_amd = pusher.image(repo, None, "2026-05-20T00:00:00Z", arch="amd64")
    new_arm = pusher.image(repo, None, "2026-05-20T00:00:00Z", arch="arm64")
    p["stable"] = pusher.index(repo, "stable", [new_amd, new_arm])
    p["stable/amd64"], p["stable/arm64"] = new_amd, new_arm
    return p


def test_plan_apply_replan(pusher: Pusher, provider: DistributionProvider, repo: str) -> None:
    pushed = push_history(pusher, repo)
    doomed = ["v0.9", "v0.9/amd64", "v0.9/arm64", "v1.0", "v1.1", "0.0.0-pr1"]
    kept = ["v1.2", "v2.0", "0.0.0-pr2", "stable", "stable/amd64", "stable/arm64"]

    change = plan(provider, repo)

    assert change is not None
    order = [e["digest"] for e in change.before["images"]] if change.before else []
    assert sorted(order) == sorted(pushed[n].digest for n in doomed)
    # the index goes before its children
    assert order.index(pushed["v0.9"].digest) < order.index(pushed["v0.9/amd64"].digest)
    assert order.index(pushed["v0.9"].digest) < order.index(pushed["v0.9/arm64"].digest)
    assert change.preview is not None and change.preview.keep == len(kept)

    provider.apply(change)

    for name in doomed:
        assert pusher.served(repo, pushed[name].digest) == 404, name
    for name in kept:
        assert pusher.served(repo, pushed[name].digest) == 200, name
    assert pusher.served(repo, "latest") == 200
    assert provider.api_calls()["DeleteManifest"] == len(doomed)
    assert plan(provider_for(provider.client.url, allow_http=True), repo) is None


def test_images_pushed_after_the_plan_change_the_state(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    pusher.image(repo, "v1", "2026-01-01T00:00:00Z")
    before = images_checksum({repo: provider.list_images(repo)})
    assert plan(provider, repo) is None

    late = pusher.image(repo, "0.0.0-late", "2026-04-01T00:00:00Z")

    images = provider.list_images(repo)
    assert images_checksum({repo: images}) != before
    change = plan(provider, repo)
    assert change is not None
    assert [e["digest"] for e in (change.before or {})["images"]] == [late.digest]


def test_apply_refuses_when_a_doomed_image_gained_a_tag(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    old = pusher.image(repo, "0.0.0-old", "2026-01-01T00:00:00Z")
    change = plan(provider, repo)
    assert change is not None

    pusher.tag(repo, "v5", old.digest)

    with pytest.raises(StalePlanError, match=rf"{old.digest} is now tagged v5.*run plan again"):
        provider.apply(change)
    assert pusher.served(repo, old.digest) == 200


def test_apply_refuses_when_a_new_index_references_a_doomed_image(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    old = pusher.image(repo, "0.0.0-old", "2026-01-01T00:00:00Z")
    change = plan(provider, repo)
    assert change is not None

    index = pusher.index(repo, "bundle", [old])

    with pytest.raises(StalePlanError, match=rf"referenced by {index.digest}, which stays"):
        provider.apply(change)
    assert pusher.served(repo, old.digest) == 200


def test_a_manifest_already_gone_is_not_an_error(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    a = pusher.image(repo, "0.0.0-a", "2026-01-01T00:00:00Z")
    b = pusher.image(repo, "0.0.0-b", "2026-01-02T00:00:00Z")
    pusher.image(repo, "v1", "2026-05-30T00:00:00Z")
    change = plan(provider, repo)
    assert change is not None
    pusher.session.delete(pusher.base + f"{repo}/manifests/{a.digest}").raise_for_status()

    provider.apply(change)

    assert pusher.served(repo, b.digest) == 404


def test_a_repository_emptied_by_retention_replans_to_nothing(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    pusher.image(repo, "0.0.0-a", "2026-01-01T00:00:00Z")
    pusher.image(repo, "0.0.0-b", "2026-01-02T00:00:00Z")
    change = plan(provider, repo)
    assert change is not None

    provider.apply(change)

    assert repo in provider.list_repositories()  # the registry keeps the name
    assert provider.list_images(repo) == []
    assert plan(provider, repo) is None


def test_apply_rejects_changes_a_distribution_registry_cannot_make(
    provider: DistributionProvider,
) -> None:
    change = Change("local", "repository", "team/app", Action.CREATE)

    with pytest.raises(ProviderError, match="cannot create repository"):
        provider.apply(change)


@pytest.fixture(scope="module")
def no_delete_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RegistryServer]:
    with run_registry(Path(tmp_path_factory.mktemp("registry-nodelete")), delete=False) as server:
        yield server


def test_deletion_disabled_on_the_server_is_explained(
    no_delete_registry: RegistryServer, repo: str
) -> None:
    pusher = Pusher(no_delete_registry.url)
    old = pusher.image(repo, "0.0.0-old", "2026-01-01T00:00:00Z")
    provider = provider_for(no_delete_registry.url)
    change = plan(provider, repo)
    assert change is not None

    with pytest.raises(ProviderError, match=r"HTTP 405.*storage\.delete\.enabled: true"):
        provider.apply(change)
    assert pusher.served(repo, old.digest) == 200
