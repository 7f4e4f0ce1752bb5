"""What ``regform import`` reads: every repository (under a prefix, inside the scope) with every
field, and the registry settings an import writes, each kind on its own so that a kind the
endpoint does not offer is left out with a warning instead of failing the import (each read is
tried once when its answer is one that retrying cannot fix, see
:meth:`~regform.providers.base.Provider.read_settings_failing_fast`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from regform.errors import ProviderError
from regform.model import RegistryState, matches_any
from regform.providers.base import Provider
from regform.workflows.importer import IMPORTED_SETTINGS


def read_for_import(
    provider: Provider,
    *,
    scope: Sequence[str] = ("*",),
    prefix: str | None = None,
    settings: Sequence[str] = IMPORTED_SETTINGS,
) -> tuple[RegistryState, list[str]]:
    """The registry's state, and warnings about what could not be read."""
    caps = provider.capabilities
    listing = provider.list_repositories()
    names = [
        n for n in sorted(listing) if matches_any(n, scope) and (not prefix or n.startswith(prefix))
    ]
    fields = frozenset(caps.fields)  # regform's fields it supports, and its own
    detailed = provider.read_details(dict.fromkeys(names, fields)) if names else {}
    repos = {n: provider.as_declared(detailed.get(n, listing[n])) for n in names}
    found: dict[str, Any] = {}
    warnings: list[str] = []
    for kind in settings:
        if kind not in caps.settings:
            continue
        try:
            found.update(provider.read_settings_failing_fast(frozenset({kind})))
        except ProviderError as exc:
            warnings.append(one_line(f"{kind} not imported: {exc}"))
    return RegistryState(repositories=repos, settings=found), warnings


def settings_not_read(
    provider: Provider, state: RegistryState, settings: Sequence[str] = IMPORTED_SETTINGS
) -> list[str]:
    """The kinds of ``settings`` the provider offers that :func:`read_for_import` could not read
    (the config written does not declare them, whatever the registry holds)."""
    return [k for k in settings if k in provider.capabilities.settings and k not in state.settings]


#: characters of a registry's error message kept in a warning.
WARNING_CHARS = 300


def one_line(text: str, limit: int = WARNING_CHARS) -> str:
    """``text`` on one line (a registry's error may be a whole HTML page), cut at ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
