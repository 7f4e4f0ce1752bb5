"""Errors of the registry-settings calls, naming the registry.

An emulator (the sandbox, moto) lacks some ECR APIs: they are said to be unsupported there
instead of crashing a plan."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from regform.errors import ProviderError


@contextmanager
def settings_errors(registry: str, where: str, kinds: frozenset[str]) -> Iterator[None]:
    """Errors raised inside, as :class:`ProviderError` naming ``registry`` (``where``: how the
    endpoint is named, e.g. "the sandbox")."""
    try:
        yield
    except NotImplementedError as exc:
        raise ProviderError(
            f"registry {registry!r}: {where} does not support {', '.join(sorted(kinds))} ({exc})"
        ) from exc
    except ProviderError as exc:
        raise ProviderError(f"registry {registry!r}: {exc}") from exc
