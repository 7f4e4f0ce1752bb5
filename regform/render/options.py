"""How a plan is presented (never what it contains): the options every plan renderer takes."""

from __future__ import annotations

from dataclasses import dataclass

#: GitHub refuses comments longer than 65,536 characters.
MARKDOWN_MAX_CHARS = 65_000


@dataclass(frozen=True, slots=True)
class RenderOptions:
    #: list unmanaged repositories outside every scope one by one (else: one count line).
    show_unmanaged: bool = False
    #: markdown: at most this many characters (summary and destroys first; None: no limit).
    max_chars: int | None = MARKDOWN_MAX_CHARS


DEFAULT = RenderOptions()
