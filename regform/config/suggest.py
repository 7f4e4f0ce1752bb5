"""Close-match suggestions for typos ("did you mean 'repositories'?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

from regform.errors import RegformError


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate ``word`` is most likely a typo of (case aside), or None."""
    pool = sorted(set(candidates))
    match = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    if not match:
        lowered = {c.lower(): c for c in pool}
        match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
        match = [lowered[m] for m in match]
    return match[0] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string."""
    match = closest(word, candidates)
    return f" (did you mean '{match}'?)" if match else ""


def unknown_registries(unknown: Sequence[str], declared: Iterable[str]) -> RegformError:
    """The error for ``--registry`` names nothing declares: ``unknown registry prdo (declared:
    hub, prod; did you mean 'prod'?)``."""
    names = sorted(set(declared))
    hints = [f"'{m}'" for m in dict.fromkeys(closest(u, names) for u in unknown) if m]
    hint = f"; did you mean {' or '.join(hints)}?" if hints else ""
    listed = ", ".join(names) or "none"
    return RegformError(f"unknown registry {', '.join(unknown)} (declared: {listed}{hint})")
