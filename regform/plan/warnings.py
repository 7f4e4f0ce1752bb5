"""The warnings a plan carries, and which of them a saved plan must carry again when applied.

Most warnings follow from the configuration and the registries' listing (a public grant, a
deprecated field, an unused definition, a pattern several entries match, a repository a
provider cannot create): a plan made again from the same configuration says them again, so a
saved plan's must be the same, and an edited plan file cannot drop one. They are compared by
their words, without the file and line they name: apply may name the configuration by another
path (``-c`` from another directory), and the configuration's checksum is of what it declares,
not of its layout.

Two kinds are not repeatable, and are not compared:

- those made from image reads: a lifecycle preview that failed, images that could not be
  counted, and the delete that fails because of how many images a repository holds now (its
  image count may shrink between plan and apply, as lifecycle policies expire images);
- those about the environment apply runs in: a credential variable that is not set.

Each is made by a function here, so that :func:`repeatable` knows its words.
"""

from __future__ import annotations

import re

PREVIEW_UNAVAILABLE = ": lifecycle preview unavailable: "
NOT_COUNTED = ": its images could not be counted ("
DELETE_FAILS = " images: the delete fails unless force_delete is set for the registry"
VARIABLE_UNSET = "unless it is set when they run"

_UNREPEATABLE = (PREVIEW_UNAVAILABLE, NOT_COUNTED, DELETE_FAILS, VARIABLE_UNSET)
#: ``file:line[:column]: `` or ``<config>: `` at the start of a configuration warning.
_LOCATION = re.compile(r"^(?:<config>|[^\n]*?:\d+(?::\d+)?): ")


def preview_unavailable(address: str, reason: object) -> str:
    """A lifecycle preview whose images could not be read or evaluated."""
    return f"{address}{PREVIEW_UNAVAILABLE}{reason}"


def not_counted(address: str, reason: object) -> str:
    """A repository to delete or replace whose images could not be counted."""
    return f"{address}{NOT_COUNTED}{reason})"


def delete_fails(address: str, count: int) -> str:
    """A repository to delete that holds images, on a registry without force_delete."""
    return f"{address} holds {count}{DELETE_FAILS}"


def repeatable(warning: str) -> bool:
    """Whether a plan made again says ``warning`` again (see the module docstring)."""
    return not any(words in warning for words in _UNREPEATABLE)


def comparable(warning: str) -> str:
    """``warning`` without the file and line it names, if any."""
    return _LOCATION.sub("", warning, count=1)
