"""Reading and writing files regform does not trust, and files it writes for its users.

Reading: every read is capped; FIFOs, devices and sockets are refused before they are opened (so
nothing blocks or reads forever), and the file is opened non-blocking and checked again once open.
A symlink loop or a broken symlink is named as such.

Writing: one writer for every file regform creates (saved plans, drift reports, imported config,
the sandbox state): a temporary file in the target directory, then an atomic rename over the
target; a symlink at the target is refused (nothing is written through it) and the file is created
with mode 0600 (``mkstemp``'s mode; the umask can only make it stricter).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from typing import BinaryIO

from regform.errors import RegformError, excerpt

_CHUNK = 1024 * 1024
_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileProblem(RegformError):
    """A file that cannot be read or written as asked; the message does not repeat the path."""


def stat_problem(path: str) -> tuple[os.stat_result | None, str | None]:
    """``os.stat`` of ``path`` (following symlinks), or the reason it cannot be read."""
    try:
        return os.stat(path), None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "symlink loop: the link resolves to itself (too many levels of links)"
        if exc.errno == errno.ENOENT and os.path.islink(path):
            return None, f"broken symlink: its target {excerpt(os.readlink(path))} does not exist"
        if exc.errno == errno.ENOENT:
            return None, "no such file or directory"
        return None, f"cannot read: {exc.strerror or exc}"


def kind_problem(info: os.stat_result, hint: str = "") -> str | None:
    """Why a file of this kind is not read (None for a regular file or a directory)."""
    for test, label in _KINDS:
        if test(info.st_mode):
            return f"is {label}; regform reads regular files{hint}"
    return None


def read_capped(stream: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``stream`` (one more than allowed tells it is too big)."""
    chunks: list[bytes] = []
    total = 0
    while total <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _limit_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MiB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def read_limited(
    path: str, limit: int, *, what: str = "files", hint: str = "", follow: bool = True
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit``; :class:`FileProblem` else
    (``follow=False``: a symlink at ``path`` is not opened)."""
    info, problem = stat_problem(path)
    if info is not None:
        problem = kind_problem(info, hint)
        if problem is None and stat.S_ISDIR(info.st_mode):
            problem = "is a directory"
        if problem is None and info.st_size > limit:
            problem = (
                f"file is {info.st_size:,} bytes; regform reads {what} up to {_limit_text(limit)}"
            )
    if problem is not None:
        raise FileProblem(problem)
    try:
        nofollow = 0 if follow else os.O_NOFOLLOW
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | nofollow)
    except OSError as exc:
        raise FileProblem(f"cannot read file: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as stream:
        problem = kind_problem(os.fstat(stream.fileno()), hint)  # swapped since the check
        if problem is not None:
            raise FileProblem(problem)
        try:
            raw = read_capped(stream, limit)
        except OSError as exc:
            raise FileProblem(f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise FileProblem(
            f"file holds more than {_limit_text(limit)}; regform reads {what} up to that"
        )
    return raw


def write_private(
    path: str | os.PathLike[str],
    text: str,
    *,
    make_parents: bool = False,
    parents_mode: int = 0o777,
) -> None:
    """Write ``text`` to ``path`` atomically with mode 0600, never through a symlink
    (``make_parents``: create missing directories, with ``parents_mode`` less the umask).

    Raises :class:`FileProblem` naming the path when it cannot be written."""
    target = os.fspath(path)
    directory = os.path.dirname(target) or "."
    try:
        if make_parents:
            os.makedirs(directory, mode=parents_mode, exist_ok=True)
        if os.path.islink(target):
            raise FileProblem(
                f"cannot write {target}: it is a symlink (regform does not write through links; "
                "remove it or choose another path)"
            )
        if os.path.isdir(target):
            raise FileProblem(f"cannot write {target}: it is a directory")
        fd, temp = tempfile.mkstemp(dir=directory, prefix=".regform-", suffix=".tmp")
    except OSError as exc:
        raise FileProblem(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except OSError as exc:
        _remove(temp)
        raise FileProblem(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        _remove(temp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
