"""Push small generated images to a registry over the distribution API (an independent client:
plain ``requests``, none of regform's code), and write OCI layouts for skopeo."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def layer_tar(seed: str) -> tuple[bytes, bytes]:
    """(gzip layer, uncompressed tar) holding one file whose content is ``seed``."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        content = seed.encode()
        info = tarfile.TarInfo("seed.txt")
        info.size, info.mtime, info.mode = len(content), 0, 0o644
        tar.addfile(info, io.BytesIO(content))
    tar_bytes = raw.getvalue()
    return gzip.compress(tar_bytes, mtime=0), tar_bytes


def image_config(created: str | None, diff_id: str, arch: str = "amd64") -> bytes:
    config: dict[str, Any] = {
        "architecture": arch,
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    if created is not None:
        config["created"] = created
    return json.dumps(config, sort_keys=True).encode()


@dataclass(frozen=True)
class Pushed:
    digest: str
    size: int
    media_type: str
    arch: str = "amd64"


@dataclass(frozen=True)
class ImageParts:
    config: bytes
    layer: bytes
    manifest: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)


def image_parts(
    created: str | None,
    seed: str,
    *,
    docker: bool = False,
    arch: str = "amd64",
    annotations: Mapping[str, str] | None = None,
) -> ImageParts:
    layer, tar_bytes = layer_tar(seed)
    config = image_config(created, digest_of(tar_bytes), arch)
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST if docker else OCI_MANIFEST,
        "config": {
            "mediaType": DOCKER_CONFIG if docker else OCI_CONFIG,
            "digest": digest_of(config),
            "size": len(config),
        },
        "layers": [
            {
                "mediaType": DOCKER_LAYER if docker else OCI_LAYER,
                "digest": digest_of(layer),
                "size": len(layer),
            }
        ],
    }
    if annotations:
        manifest["annotations"] = dict(annotations)
    body = json.dumps(manifest, sort_keys=True).encode()
    return ImageParts(config, layer, body, DOCKER_MANIFEST if docker else OCI_MANIFEST)


class Pusher:
    """Pushes blobs and manifests; ``auth(scope)`` returns extra headers (bearer tokens)."""

    def __init__(
        self,
        url: str,
        *,
        verify: bool | str = True,
        basic: tuple[str, str] | None = None,
        auth: Callable[[str], Mapping[str, str]] | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/v2/"
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        self.session.verify = verify
        if basic:
            self.session.auth = basic
        self.auth = auth

    def _headers(self, repo: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.auth is not None:
            headers.update(self.auth(f"repository:{repo}:pull,push"))
        return headers

    def blob(self, repo: str, data: bytes) -> str:
        digest = digest_of(data)
        resp = self.session.post(self.base + f"{repo}/blobs/uploads/", headers=self._headers(repo))
        assert resp.status_code == 202, resp.text
        location = urljoin(self.base, resp.headers["Location"])
        resp = self.session.put(
            location,
            params={"digest": digest},
            data=data,
            headers=self._headers(repo, {"Content-Type": "application/octet-stream"}),
        )
        assert resp.status_code == 201, resp.text
        return digest

    def manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        resp = self.session.put(
            self.base + f"{repo}/manifests/{reference}",
            data=body,
            headers=self._headers(repo, {"Content-Type": media_type}),
        )
        assert resp.status_code == 201, resp.text
        digest = resp.headers["Docker-Content-Digest"]
        assert digest == digest_of(body)
        return digest

    def image(
        self,
        repo: str,
        tag: str | None,
        created: str | None,
        *,
        docker: bool = False,
        arch: str = "amd64",
        seed: str | None = None,
        annotations: Mapping[str, str] | None = None,
    ) -> Pushed:
        """One image; untagged (pushed by digest) when ``tag`` is None."""
        parts = image_parts(
            created,
            seed or f"{repo}:{tag}:{created}:{arch}",
            docker=docker,
            arch=arch,
            annotations=annotations,
        )
        self.blob(repo, parts.config)
        self.blob(repo, parts.layer)
        digest = self.manifest(repo, tag or parts.digest, parts.manifest, parts.media_type)
        return Pushed(digest, len(parts.manifest), parts.media_type, arch)

    def index(
        self, repo: str, tag: str, children: Sequence[Pushed], *, docker: bool = False
    ) -> Pushed:
        media_type = DOCKER_LIST if docker else OCI_INDEX
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": media_type,
                "manifests": [
                    {
                        "mediaType": c.media_type,
                        "digest": c.digest,
                        "size": c.size,
                        "platform": {"architecture": c.arch, "os": "linux"},
                    }
                    for c in children
                ],
            },
            sort_keys=True,
        ).encode()
        return Pushed(self.manifest(repo, tag, body, media_type), len(body), media_type)

    def tag(self, repo: str, tag: str, digest: str) -> None:
        """Point ``tag`` at an existing manifest (re-upload of the same bytes)."""
        resp = self.session.get(
            self.base + f"{repo}/manifests/{digest}",
            headers=self._headers(repo, {"Accept": f"{OCI_MANIFEST}, {DOCKER_MANIFEST}"}),
        )
        assert resp.status_code == 200, resp.text
        self.manifest(repo, tag, resp.content, resp.headers["Content-Type"])

    def served(self, repo: str, reference: str) -> int:
        """HTTP status of a manifest GET (200 served, 404 gone)."""
        resp = self.session.get(
            self.base + f"{repo}/manifests/{reference}",
            headers=self._headers(
                repo, {"Accept": f"{OCI_MANIFEST}, {OCI_INDEX}, {DOCKER_MANIFEST}, {DOCKER_LIST}"}
            ),
        )
        return resp.status_code


def write_oci_layout(path: Path, tag: str, created: str, seed: str) -> str:
    """An OCI image layout with one tagged image; returns the manifest digest."""
    parts = image_parts(created, seed)
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    for data in (parts.config, parts.layer, parts.manifest):
        (blobs / digest_of(data).split(":", 1)[1]).write_bytes(data)
    (path / "oci-layout").write_text(json.dumps({"imageLayoutVersion": "1.0.0"}))
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": parts.digest,
                "size": len(parts.manifest),
                "annotations": {"org.opencontainers.image.ref.name": tag},
            }
        ],
    }
    (path / "index.json").write_text(json.dumps(index))
    return parts.digest
