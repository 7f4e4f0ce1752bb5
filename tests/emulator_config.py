"""A regform.yaml declaring one ECR registry ``prod`` on the emulator, for the end-to-end tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

from regform.config import load_config
from regform.model import Config

REGION = "us-east-1"


def write_config(directory: Path, endpoint: str, body: str, registry: str = "") -> Path:
    """regform.yaml with one ECR registry ``prod`` on the emulator (``registry``: more keys of
    it, YAML indented by four spaces) and ``body`` (more top-level sections)."""
    extra = textwrap.indent(textwrap.dedent(registry).strip("\n"), " " * 4)
    text = (
        "version: 1\n"
        "registries:\n"
        "  prod:\n"
        "    provider: ecr\n"
        f"    region: {REGION}\n"
        f"    endpoint_url: '{endpoint}'\n"
        + (extra + "\n" if extra else "")
        + textwrap.dedent(body)
    )
    path = directory / "regform.yaml"
    path.write_text(text)
    return path


def config_for(directory: Path, endpoint: str, body: str, registry: str = "") -> Config:
    return load_config([write_config(directory, endpoint, body, registry)])
