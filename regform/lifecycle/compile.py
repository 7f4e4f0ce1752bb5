"""Readable lifecycle rules <-> ECR lifecycle JSON. (To be implemented.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def compile_rules(rules: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Compile readable rules (already schema-valid) to an ECR lifecycle policy document."""
    raise NotImplementedError


def decompile(doc: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """Readable rules equal to ``doc``, or None when the document has no readable form."""
    raise NotImplementedError
