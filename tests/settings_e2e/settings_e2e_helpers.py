"""Helpers of the registry-settings end-to-end tests: YAML configs on the emulator."""

from __future__ import annotations

import textwrap
from pathlib import Path

from emulator_config import write_config

ACCOUNT = "123456789012"  # the account moto answers for
OTHER = "210987654321"


def settings_config(directory: Path, endpoint: str, settings: str, body: str = "") -> Path:
    """regform.yaml with one ECR registry ``prod`` on the emulator, its ``settings:`` block
    (YAML indented under ``settings:``) and ``body`` (more top-level sections)."""
    block = textwrap.indent(textwrap.dedent(settings).strip("\n"), " " * 2)
    return write_config(directory, endpoint, body, registry=f"settings:\n{block}")
