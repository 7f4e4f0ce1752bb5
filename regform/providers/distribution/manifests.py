"""Manifest media types and parsing for OCI distribution registries (pure; no I/O).

Four kinds of manifest are understood: Docker v2 schema 2 image manifests and manifest lists, and
OCI image manifests and image indexes. Anything else (schema 1, other artifacts) is kept as an
opaque manifest: it can be listed and deleted but has no config to date it by.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

IMAGE_TYPES = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
INDEX_TYPES = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})

#: config blobs that are image configs (JSON with ``created``); other configs are not fetched.
IMAGE_CONFIG_TYPES = frozenset(
    {"application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json"}
)

#: Accept header for manifest requests: every kind regform understands.
MANIFEST_ACCEPT = ", ".join((OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST, DOCKER_MANIFEST))

#: OCI annotation carrying the creation time (used when the config has none).
CREATED_ANNOTATION = "org.opencontainers.image.created"

#: image configs larger than this are not read (a real one is a few kilobytes).
MAX_CONFIG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Manifest:
    digest: str
    media_type: str
    #: "image" (has a config and layers), "index" (references other manifests) or "other".
    kind: str
    config_digest: str | None = None
    config_media_type: str | None = None
    #: digests of the manifests an index references, in order.
    children: tuple[str, ...] = ()
    #: config plus layer sizes (images only).
    size_bytes: int | None = None
    #: creation time from the ``org.opencontainers.image.created`` annotation, if any.
    annotated_created: datetime | None = None


def sha256_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _size(descriptor: Any) -> int:
    size = descriptor.get("size") if isinstance(descriptor, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) else 0


def parse_manifest(body: bytes, content_type: str | None, digest: str) -> Manifest:
    """A manifest's body (and the Content-Type it was served with) -> :class:`Manifest`."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return Manifest(digest, (content_type or "").split(";")[0].strip(), "other")
    media_type = data.get("mediaType") or (content_type or "").split(";")[0].strip()
    annotations = data.get("annotations")
    created = None
    if isinstance(annotations, dict):
        created = parse_time(annotations.get(CREATED_ANNOTATION))
    if media_type in INDEX_TYPES or (not media_type and isinstance(data.get("manifests"), list)):
        children = tuple(
            str(m["digest"])
            for m in data.get("manifests") or ()
            if isinstance(m, dict) and isinstance(m.get("digest"), str)
        )
        return Manifest(
            digest, media_type or OCI_INDEX, "index", children=children, annotated_created=created
        )
    config = data.get("config")
    is_image = media_type in IMAGE_TYPES or not media_type
    if is_image and isinstance(config, dict) and isinstance(config.get("digest"), str):
        layers = data.get("layers") or ()
        size = _size(config) + sum(_size(layer) for layer in layers)
        return Manifest(
            digest,
            media_type or OCI_MANIFEST,
            "image",
            config_digest=config["digest"],
            config_media_type=config.get("mediaType"),
            size_bytes=size,
            annotated_created=created,
        )
    return Manifest(digest, media_type, "other", annotated_created=created)


def parse_time(value: Any) -> datetime | None:
    """RFC 3339 (Go emits up to nine fractional digits) -> aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    date, sep, rest = text.partition(".")
    if sep:  # trim fractional seconds to microseconds
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = f"{date}.{rest[: min(digits, 6)]}{rest[digits:]}" if digits else date + rest
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year < 1980:  # zero times ("0001-01-01") and reproducible-build epochs say nothing
        return None
    return parsed.astimezone(UTC)


def config_created(body: bytes) -> datetime | None:
    """The ``created`` time of an image config blob."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return parse_time(data.get("created")) if isinstance(data, dict) else None
