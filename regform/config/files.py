"""Finding and reading config files without trusting them.

Every read is capped at 5 MiB (a regular file, standard input, whatever a symlink points at);
devices, FIFOs and sockets are refused (see :mod:`regform.files`). ``-`` stands for standard
input. Inside a config directory, every ``*.yaml``/``*.yml`` entry that is not a readable regular
file (a directory, a broken or looping symlink, a device) is reported, never skipped.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence

from regform.config.source import file_issue
from regform.errors import ConfigIssue
from regform.files import FileProblem, kind_problem, read_capped, read_limited, stat_problem

MAX_FILE_BYTES = 5 * 1024 * 1024
CONFIG_SUFFIXES = (".yaml", ".yml")
#: the path that means standard input
STDIN = "-"
STDIN_DISPLAY = "<stdin>"
_HINT = " (-c - reads standard input)"
#: credentials keys that name a variable holding a secret
SECRET_VARIABLE_KEYS = ("password_env", "token_env")


def _entries(directory: str, display: str) -> tuple[list[tuple[str, str]], list[ConfigIssue]]:
    """The config files of one directory; a ``*.yaml`` entry that is not one is an issue."""
    files: list[tuple[str, str]] = []
    issues: list[ConfigIssue] = []
    try:
        names = sorted(e.name for e in os.scandir(directory))
    except OSError as exc:
        return [], [file_issue(display, f"cannot list directory: {exc.strerror or exc}")]
    for name in names:
        if not name.endswith(CONFIG_SUFFIXES):
            continue
        path, shown = os.path.join(directory, name), os.path.join(display, name)
        info, problem = stat_problem(path)
        if info is not None and stat.S_ISDIR(info.st_mode):
            problem = "is a directory; a config directory's subdirectories are not read"
        elif info is not None:
            problem = kind_problem(info, _HINT)
        if problem is None:
            files.append((path, shown))
        else:
            issues.append(file_issue(shown, problem))
    if not files and not issues:
        issues.append(file_issue(display, "no *.yaml or *.yml files in this directory"))
    return files, issues


def config_files(items: Sequence[str]) -> tuple[list[tuple[str, str]], list[ConfigIssue]]:
    """(path, display name) of every config file named by ``items``, and every problem found."""
    files: list[tuple[str, str]] = []
    issues: list[ConfigIssue] = []
    seen: set[str] = set()
    for raw in items:
        if raw == STDIN:
            found: list[tuple[str, str]] = [(STDIN, STDIN_DISPLAY)]
        else:
            info, problem = stat_problem(raw)
            if info is not None and stat.S_ISDIR(info.st_mode):
                found, problems = _entries(raw, raw)
                issues += problems
            elif info is not None:
                found = [(raw, raw)]
            else:
                issues.append(file_issue(raw, problem or "cannot read"))
                continue
        for path, display in found:
            key = path if path == STDIN else os.path.realpath(path)
            if key not in seen:
                seen.add(key)
                files.append((path, display))
    return files, issues


def read_config_bytes(path: str, display: str) -> tuple[bytes | None, ConfigIssue | None]:
    """The bytes of one config file (or of standard input for ``-``), capped at 5 MiB."""
    if path == STDIN:
        raw = read_capped(sys.stdin.buffer, MAX_FILE_BYTES)
        if len(raw) > MAX_FILE_BYTES:
            return None, file_issue(display, "standard input holds more than 5 MiB")
        return raw, None
    try:
        return read_limited(path, MAX_FILE_BYTES, what="config files", hint=_HINT), None
    except FileProblem as exc:
        return None, file_issue(display, str(exc))


def password_variables(data: object) -> set[str]:
    """The variables a document's registries name in ``credentials.password_env`` (or
    ``token_env``): they hold secrets, so ``${...}`` may not read them."""
    registries = data.get("registries") if isinstance(data, dict) else None
    names: set[str] = set()
    for reg in registries.values() if isinstance(registries, dict) else ():
        creds = reg.get("credentials") if isinstance(reg, dict) else None
        for key in SECRET_VARIABLE_KEYS:
            name = creds.get(key) if isinstance(creds, dict) else None
            if isinstance(name, str):
                names.add(name)
    return names
