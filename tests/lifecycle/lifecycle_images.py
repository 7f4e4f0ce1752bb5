"""Synthetic images for lifecycle tests: explicit push, pull and archive times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from regform.lifecycle import Evaluation
from regform.model import Image

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


_NAMES: dict[str, str] = {}


def digest_for(name: str) -> str:
    """A digest whose order follows the name ("A" < "B"): a stand-in for a real sha256."""
    digest = "sha256:" + name.encode().hex().ljust(64, "0")[:64]
    _NAMES[digest] = name
    return digest


def image(
    name: str,
    tags: Iterable[str] = (),
    pushed_days_ago: float = 1,
    *,
    pulled_days_ago: float | None = None,
    archived_days_ago: float | None = None,
    restored_days_ago: float | None = None,
    referenced_by: Iterable[str] = (),
    references: Iterable[str] = (),
) -> Image:
    return Image(
        digest=digest_for(name),
        tags=tuple(tags),
        pushed_at=ago(pushed_days_ago),
        last_pulled_at=None if pulled_days_ago is None else ago(pulled_days_ago),
        storage_class="standard" if archived_days_ago is None else "archive",
        archived_at=None if archived_days_ago is None else ago(archived_days_ago),
        last_activated_at=None if restored_days_ago is None else ago(restored_days_ago),
        referenced_by=tuple(digest_for(n) for n in referenced_by),
        references=tuple(digest_for(n) for n in references),
    )


def name_of(img: Image) -> str:
    return _NAMES[img.digest]


def expired_names(result: Evaluation) -> list[str]:
    return sorted(name_of(v.image) for v in result.expired)


def transitioned_names(result: Evaluation) -> list[str]:
    return sorted(name_of(v.image) for v in result.transitioned)
