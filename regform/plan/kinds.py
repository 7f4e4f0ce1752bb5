"""What a plan's changes are: their actions, their kinds, and how they are named."""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"  # delete, then create (encryption cannot change in place)
    DELETE = "delete"

    @property
    def destructive(self) -> bool:
        return self in (Action.REPLACE, Action.DELETE)


#: order of actions inside one registry when listed and applied:
#: creates first, then in-place updates, then replaces, deletes last.
ACTION_ORDER: tuple[Action, ...] = (Action.CREATE, Action.UPDATE, Action.REPLACE, Action.DELETE)

# Change kinds. Repositories are "repository"; registry-level singletons use their own kind.
REPOSITORY = "repository"
#: change kind of an image-deletion change (retention enforced by regform).
IMAGES = "images"


def address(registry: str, kind: str, name: str) -> str:
    """How plans, previews and drift reports name a thing: ``registry/name`` for a repository,
    ``registry:kind/name`` for anything else (a setting, an image deletion)."""
    if kind == REPOSITORY:
        return f"{registry}/{name}"
    return f"{registry}:{kind}/{name}"
