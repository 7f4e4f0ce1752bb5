"""Helpers of the registry-settings end-to-end tests: YAML configs on the emulator."""

from __future__ import annotations

import textwrap
from pathlib import Path

REGION = "us-east-1"
ACCOUNT = "123456789012"  # the account moto answers for
OTHER = "210987654321"


def settings_config(directory: Path, endpoint: str, settings: str, body: str = "") -> Path:
    """regform.yaml with one ECR registry ``prod`` on the emulator, its ``settings:`` block
    (YAML indented under ``settings:``) and ``body`` (more top-level sections)."""
    block = textwrap.indent(textwrap.dedent(settings).strip("\n"), " " * 6)
    text = (
        "version: 1\n"
        "registries:\n"
        "  prod:\n"
        "    provider: ecr\n"
        f"    region: {REGION}\n"
        f"    endpoint_url: '{endpoint}'\n"
        "    settings:\n"
        f"{block}\n" + textwrap.dedent(body)
    )
    path = directory / "regform.yaml"
    path.write_text(text)
    return path
