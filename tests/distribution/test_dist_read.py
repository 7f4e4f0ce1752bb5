"""Reading repositories and images from the real docker-registry server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dist_images import DOCKER_LIST, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST, Pusher

from regform.errors import ProviderError
from regform.model import UNDATED
from regform.providers.distribution.provider import DistributionProvider


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_lists_every_repository_across_catalog_pages(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    names = [f"{repo}/r{i}" for i in range(5)]
    for name in names:
        pusher.image(name, "v1", "2026-01-01T00:00:00Z")
    provider.page_size = 2

    listed = provider.list_repositories()

    assert set(names) <= set(listed)
    assert all(listed[n].name == n and not listed[n].loaded for n in names)
    # every page asked for two names: the Link header was followed to the end
    assert provider.api_calls()["GetCatalog"] >= (len(listed) + 1) // 2


def test_reads_images_tags_and_creation_times(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    v1 = pusher.image(repo, "v1", "2026-01-01T10:00:00Z")
    v2 = pusher.image(repo, "v2", "2026-02-01T00:00:00.123456789Z", docker=True)
    pusher.tag(repo, "latest", v2.digest)
    amd = pusher.image(repo, None, "2026-03-01T00:00:00Z", arch="amd64")
    arm = pusher.image(repo, None, "2026-03-02T00:00:00Z", arch="arm64")
    index = pusher.index(repo, "multi", [amd, arm])

    images = {i.digest: i for i in provider.list_images(repo)}

    assert set(images) == {v1.digest, v2.digest, amd.digest, arm.digest, index.digest}
    assert images[v1.digest].tags == ("v1",)
    assert images[v1.digest].pushed_at == at("2026-01-01T10:00:00")
    assert images[v1.digest].media_type == OCI_MANIFEST
    assert images[v2.digest].tags == ("latest", "v2")
    assert images[v2.digest].pushed_at == at("2026-02-01T00:00:00.123456")
    assert images[v2.digest].media_type == DOCKER_MANIFEST
    assert images[index.digest].media_type == OCI_INDEX
    assert images[index.digest].references == (amd.digest, arm.digest)
    # an index is as new as its newest child
    assert images[index.digest].pushed_at == at("2026-03-02T00:00:00")
    for child in (amd, arm):
        assert images[child.digest].tags == ()
        assert images[child.digest].referenced_by == (index.digest,)
    assert images[v1.digest].size_bytes is not None and images[v1.digest].size_bytes > 0


def test_docker_manifest_lists_reference_their_children(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    amd = pusher.image(repo, None, "2026-03-01T00:00:00Z", docker=True, arch="amd64")
    arm = pusher.image(repo, "arm-only", "2026-03-03T00:00:00Z", docker=True, arch="arm64")
    listing = pusher.index(repo, "multi", [amd, arm], docker=True)

    images = {i.digest: i for i in provider.list_images(repo)}

    assert images[listing.digest].media_type == DOCKER_LIST
    assert images[listing.digest].references == (amd.digest, arm.digest)
    assert images[arm.digest].referenced_by == (listing.digest,)
    assert images[arm.digest].tags == ("arm-only",)


def test_lists_every_tag_with_a_small_page_size(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    # docker-registry 2.8 answers tags/list in one page whatever n says; newer servers paginate
    # with Link like the catalog (the same code follows both).
    pushed = {f"v{i}": pusher.image(repo, f"v{i}", f"2026-01-0{i + 1}T00:00:00Z") for i in range(5)}
    provider.page_size = 2

    images = provider.list_images(repo)

    assert {i.tags[0]: i.digest for i in images} == {t: p.digest for t, p in pushed.items()}


def test_creation_time_falls_back_to_the_annotation_then_to_undated(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    annotated = pusher.image(
        repo,
        "annotated",
        None,
        annotations={"org.opencontainers.image.created": "2025-05-05T05:05:05Z"},
    )
    undated = pusher.image(repo, "undated", None)
    epoch = pusher.image(repo, "epoch", "1970-01-01T00:00:00Z")

    images = {i.digest: i for i in provider.list_images(repo)}

    assert images[annotated.digest].pushed_at == at("2025-05-05T05:05:05")
    assert images[undated.digest].pushed_at == UNDATED
    # reproducible builds stamp the epoch: that says nothing about age
    assert images[epoch.digest].pushed_at == UNDATED


def test_config_blobs_are_read_once(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    for i in range(3):
        pusher.image(repo, f"v{i}", f"2026-01-0{i + 1}T00:00:00Z")

    first = provider.list_images(repo)
    blob_reads = provider.api_calls()["GetBlob"]
    second = provider.list_images(repo)

    assert blob_reads == 3
    assert provider.api_calls()["GetBlob"] == 3
    assert first == second


def test_many_repositories_are_read_concurrently(
    pusher: Pusher, provider: DistributionProvider, repo: str
) -> None:
    names = [f"{repo}/r{i}" for i in range(6)]
    for i, name in enumerate(names):
        pusher.image(name, "v1", f"2026-01-0{i + 1}T00:00:00Z")

    many = provider.list_images_many(names)

    assert list(many) == names
    assert all(many[n] == provider.list_images(n) for n in names)


def test_unknown_repository_is_an_error_naming_it(provider: DistributionProvider) -> None:
    with pytest.raises(ProviderError, match=r"no/such/repo.*404.*NAME_UNKNOWN"):
        provider.list_images("no/such/repo")
