"""Errors of the registry-settings calls, naming the registry.

An emulator (the sandbox, moto) lacks some ECR APIs: they are said to be unsupported there
instead of crashing a plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from regform.errors import ProviderError


@contextmanager
def settings_errors(registry: str, where: str, kinds: frozenset[str]) -> Iterator[None]:
    """Errors raised inside, as :class:`ProviderError` naming ``registry`` (``where``: how the
    endpoint is named, e.g. "the sandbox")."""
    try:
        yield
    except NotImplementedError as exc:
        raise unsupported(registry, where, kinds, exc) from exc
    except ProviderError as exc:
        raise ProviderError(f"registry {registry!r}: {exc}") from exc


def unsupported(
    registry: str, where: str, kinds: Iterable[str], exc: NotImplementedError
) -> ProviderError:
    """``registry 'prod': the sandbox does not support creation_templates (...)``."""
    return ProviderError(
        f"registry {registry!r}: {where} does not support {', '.join(sorted(kinds))} ({exc})"
    )


def read_each(
    registry: str,
    where: str,
    kinds: Sequence[str],
    read: Callable[[frozenset[str]], dict[str, Any]],
) -> dict[str, Any]:
    """``read`` each kind on its own, in the order given; an error names only the kinds the
    endpoint lacks."""
    out: dict[str, Any] = {}
    missing: dict[str, NotImplementedError] = {}
    for kind in kinds:
        try:
            with settings_errors(registry, where, frozenset({kind})):
                out.update(read(frozenset({kind})))
        except ProviderError as exc:
            if not isinstance(exc.__cause__, NotImplementedError):
                raise
            missing[kind] = exc.__cause__
    if missing:
        raise unsupported(registry, where, missing, next(iter(missing.values())))
    return out
