"""Small pieces several commands share (the options, loading and provider handling live in
:mod:`regform.cli.plan`)."""

from __future__ import annotations

from pathlib import Path

from regform.files import write_private


def write_output(path: Path, text: str, *, make_parents: bool = False) -> None:
    """Write a command's output file (atomically, mode 0600, never through a symlink); a failure
    is a :class:`RegformError` naming the file."""
    write_private(path, text, make_parents=make_parents)
