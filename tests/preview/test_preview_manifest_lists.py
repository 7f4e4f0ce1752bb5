"""Images a manifest list (image index) references are never expired while the index stays: the
ECR provider links them with BatchGetImage, against moto's ECR server over HTTP."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from emulator_config import config_for
from preview_env import watched_providers

from regform.lifecycle import evaluate
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, build_clients
from regform.workflows.plan_apply import make_plan

pytestmark = pytest.mark.server

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
#: every untagged image older than a day goes (the index is tagged, its children are not).
UNTAGGED = """
lifecycle_policies:
  cleanup:
    - description: untagged images after a day
      untagged: true
      older_than_days: 1
repositories:
  - name: multi
    lifecycle: cleanup
"""
#: ECR's JSON form of ``UNTAGGED``'s rule.
UNTAGGED_RULE: dict[str, Any] = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "untagged images after a day",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
    ]
}
LATER = datetime.now(UTC) + timedelta(days=60)


def push_child(raw_ecr: Any, repository: str, layer: str) -> str:
    """An untagged single-platform image with its own layer (moto derives its digest from it)."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "size": 7023,
            "digest": "sha256:" + "c" * 64,
        },
        "layers": [
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "size": 32654,
                "digest": "sha256:" + layer * 64,
            }
        ],
    }
    resp = raw_ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest))
    return str(resp["image"]["imageId"]["imageDigest"])


def push_index(
    raw_ecr: Any, repository: str, tag: str, children: list[str], media_type: str = OCI_INDEX
) -> str:
    """A manifest list / image index of ``children`` tagged ``tag``, under its true digest."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": media_type,
        "annotations": {"org.opencontainers.image.ref.name": tag},
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "size": 1000,
                "digest": child,
                "platform": {"architecture": arch, "os": "linux"},
            }
            for child, arch in zip(children, ("amd64", "arm64"), strict=False)
        ],
    }
    text = json.dumps(manifest)
    digest = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    resp = raw_ecr.put_image(
        repositoryName=repository,
        imageManifest=text,
        imageTag=tag,
        imageManifestMediaType=media_type,
        imageDigest=digest,
    )
    assert resp["image"]["imageId"]["imageDigest"] == digest
    return digest


def provider_on(endpoint: str) -> EcrProvider:
    settings = ConnectionSettings.from_mapping({"region": "us-east-1", "endpoint_url": endpoint})
    c = build_clients(settings)
    return EcrProvider("prod", ecr=c.ecr, sts=c.sts, kms=c.kms)


@pytest.mark.parametrize("media_type", [OCI_INDEX, DOCKER_LIST])
def test_list_images_links_an_index_to_its_children_with_one_batch_get(
    moto_reset: str, raw_ecr: Any, media_type: str
) -> None:
    raw_ecr.create_repository(repositoryName="multi")
    raw_ecr.create_repository(repositoryName="plain")
    amd, arm, orphan = (push_child(raw_ecr, "multi", layer) for layer in "abd")
    index = push_index(raw_ecr, "multi", "v1", [amd, arm], media_type)
    assert len({amd, arm, orphan, index}) == 4
    push_child(raw_ecr, "plain", "e")
    provider = provider_on(moto_reset)

    images = {i.digest: i for i in provider.list_images("multi")}

    assert images[index].media_type == media_type
    assert images[index].references == (amd, arm)
    assert images[amd].referenced_by == (index,)
    assert images[arm].referenced_by == (index,)
    assert images[orphan].referenced_by == ()
    assert provider.api_calls().get("BatchGetImage") == 1
    result = evaluate(UNTAGGED_RULE, list(images.values()), LATER)
    assert {v.image.digest for v in result.expired} == {orphan}

    plain = provider.list_images("plain")

    assert [(i.references, i.referenced_by) for i in plain] == [((), ())]
    assert provider.api_calls().get("BatchGetImage") == 1


def test_repository_without_an_index_reads_no_manifest(moto_reset: str, raw_ecr: Any) -> None:
    raw_ecr.create_repository(repositoryName="plain")
    for layer in "ab":
        push_child(raw_ecr, "plain", layer)
    provider = provider_on(moto_reset)

    assert len(provider.list_images("plain")) == 2
    assert "BatchGetImage" not in provider.api_calls()


def test_plan_preview_keeps_the_children_of_a_tagged_index(
    moto_reset: str, raw_ecr: Any, tmp_path: Path
) -> None:
    config = config_for(tmp_path, moto_reset, UNTAGGED)
    raw_ecr.create_repository(repositoryName="multi")
    amd, arm, orphan = (push_child(raw_ecr, "multi", layer) for layer in "abd")
    index = push_index(raw_ecr, "multi", "v1", [amd, arm])
    assert len({amd, arm, orphan, index}) == 4

    with watched_providers(config) as (providers, _):
        plan = make_plan(config, providers, now=LATER)

    preview = next(c for c in plan.changes if c.name == "multi").preview
    assert preview is not None
    assert (preview.total, preview.expire, preview.keep) == (4, 1, 3)
    assert [s["digest"] for s in preview.sample] == [orphan]
    assert plan.api_calls["BatchGetImage"] == 1


def test_more_than_a_hundred_indexes_are_read_a_hundred_at_a_time(
    moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="multi")
    child = push_child(raw_ecr, "multi", "a")
    indexes = {push_index(raw_ecr, "multi", f"v{n}", [child]) for n in range(101)}
    provider = provider_on(moto_reset)

    images = {i.digest: i for i in provider.list_images("multi")}

    assert len(indexes) == 101
    assert set(images[child].referenced_by) == indexes
    assert all(images[d].references == (child,) for d in indexes)
    assert provider.api_calls()["BatchGetImage"] == 2
