"""Images pushed straight to the emulator's ECR, as a test's setup."""

from __future__ import annotations

import json
from typing import Any


def push_image(raw_ecr: Any, repository: str, tag: str, layer: str = "a") -> str:
    """Push a one-layer image (its layer digest made of ``layer``) as ``repository:tag``;
    returns its digest."""
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": 7023,
            "digest": "sha256:" + "c" * 64,
        },
        "layers": [
            {
                "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                "size": 32654,
                "digest": "sha256:" + layer * 64,
            }
        ],
    }
    resp = raw_ecr.put_image(
        repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag
    )
    return str(resp["image"]["imageId"]["imageDigest"])
