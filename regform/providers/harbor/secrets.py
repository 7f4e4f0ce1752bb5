"""Robot secrets: Harbor returns one only in the create response (api-facts.md "Robot accounts").

A secret is shown once: written to the file the user names (``regform apply --secrets-file``;
JSON, mode 0600, written atomically in the file's directory, never through a symlink) or printed
with ``--show-secrets``. Without either, apply refuses before any write (the plan's guard, see
:mod:`regform.planning.guards`; :func:`check_destination` checks the file at the start of apply and
:meth:`SecretSink.require` again before each robot), so a
secret is never lost. Re-planning never rotates a secret: regform never sends
one, and only a robot that is missing is created.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from regform.errors import ProviderError
from regform.files import FileProblem, read_limited, write_private


@dataclass(frozen=True, slots=True)
class SecretDestination:
    file: Path | None = None
    stdout: bool = False

    @property
    def set(self) -> bool:
        return self.file is not None or self.stdout


_lock = threading.Lock()
_destination = SecretDestination()


def set_destination(file: str | os.PathLike[str] | None, stdout: bool) -> None:
    """Where robot secrets created from now on go (``regform apply`` sets it)."""
    global _destination
    with _lock:
        _destination = SecretDestination(Path(file) if file is not None else None, stdout)


def destination() -> SecretDestination:
    with _lock:
        return _destination


#: a secrets file holds one small entry per robot: anything larger is not one regform wrote.
SECRETS_FILE_LIMIT = 1024 * 1024


def _read_existing(path: Path) -> dict[str, Any]:
    if path.is_symlink():
        raise ProviderError(f"secrets file {path} is a symlink; regform never writes through one")
    if not path.exists():
        return {}
    try:
        raw = read_limited(str(path), SECRETS_FILE_LIMIT, what="secrets files")
        found = json.loads(raw.decode("utf-8"))
    except FileProblem as exc:
        raise ProviderError(f"secrets file {path}: {exc}") from None
    except ValueError as exc:
        raise ProviderError(f"secrets file {path} is not readable JSON ({exc})") from None
    return found if isinstance(found, dict) else {}


def _write(path: Path, data: Any) -> None:
    """JSON to ``path``: atomically, mode 0600, never through a symlink."""
    try:
        write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    except FileProblem as exc:
        raise ProviderError(f"secrets file: {exc}") from None


def _check_directory(path: Path) -> None:
    """Refuse a secrets file whose directory is missing or not writable: the robot would be
    created and its secret lost."""
    directory = path.parent
    if directory.exists() and not directory.is_dir():
        raise ProviderError(f"secrets file {path}: {directory} is not a directory")
    if not directory.is_dir():
        raise ProviderError(
            f"secrets file {path}: directory {directory} does not exist (create it first)"
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ProviderError(f"secrets file {path}: cannot write in directory {directory}")


def check_destination() -> None:
    """Refuse, before anything is written, a secrets file regform could not write: a symlink,
    an unreadable file, or one whose directory is missing or not writable. ``regform apply``
    checks it first when its plan creates a secret, so no other change is made before."""
    dest = destination()
    if dest.file is not None:
        _read_existing(dest.file)
        _check_directory(dest.file)


class SecretSink:
    """Delivers robot secrets to the configured destination, one at a time."""

    def require(self, what: str) -> None:
        """Refuse (before any write) to create ``what`` when its secret would be lost."""
        check_destination()  # a symlink, an unreadable file, a file that could not be written
        if not destination().set:
            raise ProviderError(
                f"{what} would be created and its secret is shown only once: name a file with "
                "`regform apply --secrets-file FILE` (or print it with --show-secrets)"
            )

    def deliver(self, key: str, name: str, secret: str, expires_at: Any) -> None:
        dest = destination()
        entry = {"name": name, "secret": secret, "expires_at": expires_at}
        with _lock:
            if dest.file is not None:
                data = _read_existing(dest.file)
                data[key] = entry
                _write(dest.file, data)
            if dest.stdout:
                sys.stdout.write(f"secret of {key} ({name}): {secret}\n")
                sys.stdout.flush()
