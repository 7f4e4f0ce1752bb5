"""Private files: read without following a symbolic link, written atomically with mode 0600.

Writing is :func:`regform.files.write_private`'s (a temporary file in the same directory, created
0600, renamed over the target; a symbolic link is refused), with missing directories created 0700.
"""

from __future__ import annotations

from pathlib import Path

from regform import files
from regform.errors import RegformError

PRIVATE_DIR_MODE = 0o700
#: auth files and the token cache hold a few entries; reads stop there.
MAX_PRIVATE_BYTES = 16 * 1024 * 1024


def read_private(path: Path) -> str | None:
    """The text of ``path``, or None when it does not exist; a symbolic link is an error, and
    so are a FIFO, a device, a directory and a file over :data:`MAX_PRIVATE_BYTES`."""
    if path.is_symlink():
        raise RegformError(f"cannot read {path}: {_why(path, OSError())}")
    if not path.exists():
        return None
    try:
        data = files.read_limited(str(path), MAX_PRIVATE_BYTES, what="auth files", follow=False)
    except files.FileProblem as exc:
        raise RegformError(f"cannot read {path}: {_why(path, exc)}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RegformError(f"cannot read {path}: not UTF-8 text") from None


def write_private(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, mode 0600 (its directory is created 0700)."""
    files.write_private(path, text, make_parents=True, parents_mode=PRIVATE_DIR_MODE)


def _why(path: Path, exc: Exception) -> str:
    if path.is_symlink():
        return "it is a symbolic link (give the real path)"
    return str(getattr(exc, "strerror", None) or exc)
