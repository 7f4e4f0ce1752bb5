"""Evaluate an ECR lifecycle policy over images, exactly as ECR documents it. (To be implemented.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from regform.providers.base import Image


@dataclass(frozen=True, slots=True)
class Verdict:
    image: Image
    action: str  # "expire" | "transition"
    rule_priority: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    #: images a rule acts on, oldest first
    selected: tuple[Verdict, ...]
    #: images no rule acts on, newest first
    kept: tuple[Image, ...]

    @property
    def expired(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "expire")

    @property
    def transitioned(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.selected if v.action == "transition")


def evaluate(policy: Mapping[str, Any], images: Sequence[Image], now: datetime) -> Evaluation:
    raise NotImplementedError
