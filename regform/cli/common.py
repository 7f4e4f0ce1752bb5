"""Small pieces several commands share (the options, loading and provider handling live in
:mod:`regform.cli.plan`)."""

from __future__ import annotations

from pathlib import Path

from regform.errors import RegformError


def write_output(path: Path, text: str, *, make_parents: bool = False) -> None:
    """Write a command's output file; a failure is a :class:`RegformError` naming the file."""
    try:
        if make_parents:
            path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    except OSError as exc:
        raise RegformError(f"cannot write {path}: {exc.strerror or exc}") from None
