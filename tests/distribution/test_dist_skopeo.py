"""An image pushed by skopeo (an independent client) is read, planned for deletion and deleted;
skopeo then no longer finds it."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

from dist_images import write_oci_layout
from dist_server import SKOPEO_PACKAGE, RegistryServer, require_binary

from regform.lifecycle import compile_rules
from regform.planning.retention import enforcement_change
from regform.providers.distribution.provider import DistributionProvider

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    binary = require_binary("skopeo", SKOPEO_PACKAGE)
    return subprocess.run(
        [binary, "--insecure-policy", *args], capture_output=True, text=True, timeout=120
    )


def test_an_image_pushed_by_skopeo_is_read_and_deleted(
    plain_registry: RegistryServer, provider: DistributionProvider, repo: str, tmp_path: Path
) -> None:
    digest = write_oci_layout(tmp_path / "layout", "build", "2026-02-02T02:02:02Z", repo)
    target = f"docker://{plain_registry.host}/{repo}:0.0.0-skopeo"
    digest_file = tmp_path / "digest"
    pushed = skopeo(
        "copy",
        "--preserve-digests",
        "--dest-tls-verify=false",
        "--digestfile",
        str(digest_file),
        f"oci:{tmp_path / 'layout'}:build",
        target,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert digest_file.read_text().strip() == digest

    images = provider.list_images(repo)

    assert [(i.digest, i.tags, i.pushed_at) for i in images] == [
        (digest, ("0.0.0-skopeo",), datetime(2026, 2, 2, 2, 2, 2, tzinfo=UTC))
    ]
    policy = compile_rules([{"tag_prefixes": ["0.0.0-"], "older_than_days": 14}])
    change = enforcement_change("local", repo, policy, images, NOW)
    assert change is not None
    provider.apply(change)

    inspected = skopeo("inspect", "--tls-verify=false", target)
    assert inspected.returncode != 0
    assert "manifest unknown" in inspected.stderr.lower()
