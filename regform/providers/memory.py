"""A registry held in memory: the smallest complete provider.

It keeps repositories and images in dictionaries and honours its
:class:`~regform.model.Capabilities` the way a real registry would: fields it does not support are
refused, a change to a ``replace_on`` field is refused in place, images are deleted by regform when
it has no lifecycle of its own. It keeps no registry-level settings. Library users can plan against
it without any registry, and the provider contract tests run it next to the real providers.

    provider = MemoryProvider("local")
    provider.add_repository(Repository("team/app"), images=[Image("sha256:...", ("v1",), now)])
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from regform import model as m
from regform.errors import ProviderError
from regform.model import Capabilities, Image, Repository
from regform.plan import IMAGES, REPOSITORY, Action, Change, FieldChange, planned_deletions
from regform.providers.base import Provider

#: every repository field, all read by the listing; created, replaced and deleted like ECR.
FULL = Capabilities(
    fields=frozenset(m.REPOSITORY_FIELDS),
    replace_on=frozenset({m.ENCRYPTION}),
    listing_fields=frozenset(m.REPOSITORY_FIELDS),
)


class MemoryProvider(Provider):
    """Repositories, settings and images of one registry, in memory."""

    def __init__(self, registry: str, capabilities: Capabilities = FULL) -> None:
        self.registry = registry
        self.capabilities = capabilities
        self._repositories: dict[str, Repository] = {}
        self._images: dict[str, list[Image]] = {}
        self._calls: dict[str, int] = {}
        self._lock = threading.Lock()

    # Seeding, as if someone else had written to the registry -------------------------------

    def add_repository(self, repo: Repository, images: Iterable[Image] = ()) -> None:
        with self._lock:
            self._repositories[repo.name] = _stored(repo)
            self._images[repo.name] = list(images)

    # Reading -----------------------------------------------------------------------------

    def list_repositories(self) -> dict[str, Repository]:
        listed = self.capabilities.listing_fields
        with self._lock:
            self._count("ListRepositories")
            return {n: _loaded(r, listed) for n, r in sorted(self._repositories.items())}

    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        listed = self.capabilities.listing_fields
        out: dict[str, Repository] = {}
        with self._lock:
            for name, fields in wanted.items():
                self._count("ReadRepository")
                repo = self._repositories.get(name)
                if repo is not None:
                    out[name] = _loaded(repo, listed | (fields & self.capabilities.fields))
        return out

    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]:
        """No registry-level settings are kept here."""
        return {}

    def list_images(self, repository: str) -> list[Image]:
        with self._lock:
            self._count("ListImages")
            return list(self._images.get(repository, ()))

    def check_identity(self) -> None:
        """Nothing to compare: the registry is this object."""

    def api_calls(self) -> dict[str, int]:
        with self._lock:
            return dict(self._calls)

    # Writing -----------------------------------------------------------------------------

    def apply(self, change: Change) -> None:
        with self._lock:
            self._count(f"{change.action.value.capitalize()}:{change.kind}")
            if change.kind == REPOSITORY:
                self._apply_repository(change)
            elif change.kind == IMAGES and not self.capabilities.native_lifecycle:
                self._delete_images(change)
            else:
                raise self._error(change, f"cannot {change.action.value} {change.kind}")

    def _apply_repository(self, change: Change) -> None:
        exists = change.name in self._repositories
        if change.action is Action.CREATE:
            if not self.capabilities.can_create:
                raise self._error(change, "repositories cannot be created here")
            if exists:
                raise self._error(change, "the repository already exists")
            self._repositories[change.name] = _stored(self._after(change))
            self._images[change.name] = []
        elif not exists:
            raise self._error(change, "the repository does not exist")
        elif change.action is Action.UPDATE:
            current = self._repositories[change.name]
            self._repositories[change.name] = self._updated(change, current)
        elif change.action is Action.REPLACE:
            self._repositories[change.name] = _stored(self._after(change))
            self._images[change.name] = []
        else:
            if not self.capabilities.can_delete:
                raise self._error(change, "repositories cannot be deleted here")
            if self._images.get(change.name) and not change.force_delete:
                raise self._error(change, "the repository holds images (force_delete is off)")
            del self._repositories[change.name]
            self._images.pop(change.name, None)

    def _updated(self, change: Change, current: Repository) -> Repository:
        after = self._after(change)
        values: dict[str, Any] = {}
        tags = dict(current.tags)
        for fc in change.fields:
            top = fc.path.split(".", 1)[0]
            if top not in self.capabilities.fields:
                raise self._error(change, f"field {fc.path!r} is not supported")
            if top in self.capabilities.replace_on:
                raise self._error(change, f"{top} cannot change in place")
            if top == m.TAGS:
                _change_tags(tags, fc)
            else:
                values[top] = getattr(after, top)
        return dataclasses.replace(current, tags=tags, **values)

    def _delete_images(self, change: Change) -> None:
        try:
            gone = {p.digest for p in planned_deletions(change)}
        except ValueError as exc:
            raise self._error(change, str(exc)) from None
        images = self._images.get(change.name, [])
        missing = gone - {i.digest for i in images}
        if change.name not in self._repositories or missing:
            raise self._error(change, f"{len(missing)} image(s) of the plan are gone; plan again")
        self._images[change.name] = [i for i in images if i.digest not in gone]

    def _after(self, change: Change) -> Repository:
        if change.after is None:
            raise self._error(change, f"{change.action.value} without the desired repository")
        return Repository.from_dict({**change.after, "name": change.name})

    def _count(self, operation: str) -> None:  # under the lock
        self._calls[operation] = self._calls.get(operation, 0) + 1

    def _error(self, change: Change, message: str) -> ProviderError:
        return ProviderError(f"registry {self.registry!r}: {change.address}: {message}")


def _stored(repo: Repository) -> Repository:
    """What the registry keeps of a repository: its fields, not the config's bookkeeping."""
    return Repository(
        name=repo.name,
        image_tag_mutability=repo.image_tag_mutability,
        image_tag_mutability_exclusions=repo.image_tag_mutability_exclusions,
        scan_on_push=repo.scan_on_push,
        encryption=repo.encryption,
        tags=dict(repo.tags),
        lifecycle_policy=repo.lifecycle_policy,
        repository_policy=repo.repository_policy,
    )


def _loaded(repo: Repository, fields: frozenset[str]) -> Repository:
    return dataclasses.replace(repo, loaded=fields)


def _change_tags(tags: dict[str, str], fc: FieldChange) -> None:
    """Apply one ``tags`` change (two dicts) or one ``tags.<key>`` change to ``tags``."""
    if fc.path == m.TAGS:
        before, after = dict(fc.before or {}), dict(fc.after or {})
        for key in before.keys() - after.keys():
            tags.pop(key, None)
        tags.update({k: str(v) for k, v in after.items()})
        return
    key = fc.path[len(m.TAGS) + 1 :]
    if fc.after is None:
        tags.pop(key, None)
    else:
        tags[key] = str(fc.after)
