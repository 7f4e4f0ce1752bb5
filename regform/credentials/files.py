"""Private files: read without following a symbolic link, written atomically with mode 0600.

A file is written to a temporary file in the same directory (created 0600, never readable by
others, even for a moment) and renamed over the target, so a reader sees the old file or the new
one, never half of it. A target that is a symbolic link is refused rather than replaced.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from regform.errors import RegformError

PRIVATE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700


def read_private(path: Path) -> str | None:
    """The text of ``path``, or None when it does not exist; a symbolic link is an error."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise RegformError(f"cannot read {path}: {_why(path, exc)}") from None
    with os.fdopen(fd, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RegformError(f"cannot read {path}: not UTF-8 text") from None


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, mode 0600 (its directory is created 0700)."""
    if path.is_symlink():
        raise RegformError(f"cannot write {path}: it is a symbolic link (give the real path)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise RegformError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), PRIVATE_MODE)
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise RegformError(f"cannot write {path}: {exc.strerror or exc}") from None


def _why(path: Path, exc: OSError) -> str:
    if path.is_symlink():
        return "it is a symbolic link (give the real path)"
    return str(exc.strerror or exc)
