"""Which images of an ECR repository a manifest list (image index) references.

DescribeImages names each image's manifest media type but not which manifest lists include it.
ECR never expires or archives an image a manifest list references before the list itself, so the
lifecycle engine needs those links: the manifests of the indexes are read with BatchGetImage (at
most :data:`IDS_PER_GET` per call, and no call at all for a repository without an index), their
``manifests[].digest`` set as ``Image.references`` on the index and ``Image.referenced_by`` on
each child present.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from regform.model import Image
from regform.providers.ecr.mapping import image_from_detail

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

    from regform.providers.ecr.calls import ApiCaller

log = logging.getLogger(__name__)

DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json"
INDEX_MEDIA_TYPES = (DOCKER_MANIFEST_LIST, OCI_IMAGE_INDEX)
#: BatchGetImage takes at most this many image ids.
IDS_PER_GET = 100

#: ``get(digests)``: the ``images[]`` entries BatchGetImage returns for these digests.
ManifestGetter = Callable[[Sequence[str]], Iterable[Mapping[str, Any]]]


def index_digests(images: Iterable[Image]) -> list[str]:
    """Digests of the manifest lists and image indexes among ``images``, in order."""
    return [i.digest for i in images if i.media_type in INDEX_MEDIA_TYPES]


def manifest_children(text: str) -> tuple[str, ...]:
    """The ``manifests[].digest`` of a manifest list or image index (empty if there are none).

    Raises ValueError when the text is not a JSON object.
    """
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("manifest is not a JSON object")
    entries = doc.get("manifests") or ()
    return tuple(
        str(e["digest"])
        for e in entries
        if isinstance(e, dict) and isinstance(e.get("digest"), str)
    )


def read_children(digests: Sequence[str], get: ManifestGetter) -> dict[str, tuple[str, ...]]:
    """Index digest -> digests it references, reading the manifests ``IDS_PER_GET`` at a time.

    An index that vanished in between (a failure in the answer) or whose manifest cannot be
    parsed is left out: it then protects nothing, as if it had been deleted.
    """
    out: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(digests), IDS_PER_GET):
        for entry in get(digests[start : start + IDS_PER_GET]):
            digest = (entry.get("imageId") or {}).get("imageDigest")
            text = entry.get("imageManifest")
            if not isinstance(digest, str) or not isinstance(text, str):
                continue
            try:
                out[digest] = manifest_children(text)
            except ValueError as exc:
                log.warning("manifest %s is not readable JSON: %s", digest, exc)
    return out


def link_references(
    images: Sequence[Image], children: Mapping[str, tuple[str, ...]]
) -> list[Image]:
    """``images`` with ``references`` set on each index in ``children`` and ``referenced_by`` on
    each child present (several tags of one index in the answer count once)."""
    parents: dict[str, list[str]] = {}
    for index, kids in children.items():
        for kid in kids:
            parents.setdefault(kid, []).append(index)
    out: list[Image] = []
    for image in images:
        changes: dict[str, Any] = {}
        referenced = children.get(image.digest)
        if referenced:
            changes["references"] = tuple(dict.fromkeys(referenced))
        if image.digest in parents:
            changes["referenced_by"] = tuple(sorted(set(parents[image.digest])))
        out.append(dataclasses.replace(image, **changes) if changes else image)
    return out


def with_references(images: list[Image], get: ManifestGetter) -> list[Image]:
    """``images`` linked to the indexes among them (no read when there is no index)."""
    indexes = list(dict.fromkeys(index_digests(images)))
    if not indexes:
        return images
    return link_references(images, read_children(indexes, get))


def read_images(
    ecr: ECRClient, caller: ApiCaller, repository: str, *, page_size: int
) -> list[Image]:
    """Every image of ``repository`` (archived ones too), linked to the manifest lists and
    indexes that reference them: one DescribeImages listing, and one BatchGetImage of the
    indexes only when the repository holds any."""
    pages = ecr.get_paginator("describe_images").paginate(
        repositoryName=repository,
        filter={"tagStatus": "ANY", "imageStatus": "ANY"},
        PaginationConfig={"PageSize": page_size},
    )

    def collect() -> list[Image]:
        return [image_from_detail(d) for page in pages for d in page.get("imageDetails", ())]

    def get_manifests(digests: Sequence[str]) -> list[Mapping[str, Any]]:
        resp = caller.call(
            "BatchGetImage",
            repository,
            ecr.batch_get_image,
            repositoryName=repository,
            imageIds=[{"imageDigest": d} for d in digests],
            acceptedMediaTypes=list(INDEX_MEDIA_TYPES),
        )
        return list(resp.get("images", ()))

    images = caller.call("DescribeImages", repository, collect)
    return with_references(images, get_manifests)
