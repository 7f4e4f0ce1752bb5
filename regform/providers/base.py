"""The contract every registry provider implements.

The workflow (read, diff, plan, apply, safety) lives in the core. A provider only translates between
regform's model and one registry API:

* ``list_repositories()`` -- every repository with the fields one listing call gives cheaply;
* ``read_details(wanted)`` -- the extra per-repository fields the core asks for, and only those;
* ``read_settings(kinds)`` -- registry-level singletons (registry policy, scanning, ...);
* ``apply(change)`` -- carry out one :class:`~regform.plan.Change`;
* ``list_images(name)`` -- images of one repository, for lifecycle previews and enforcement;
* ``check_identity()`` -- raise :class:`~regform.errors.IdentityError` before any write when the
  credentials do not belong to the declared account.

Capabilities declare which fields a provider supports (declaring an unsupported one is a validation
error naming the field) and which fields force a replace when they change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from regform.model import Capabilities, Image, Repository
from regform.plan import Change


@dataclass(frozen=True, slots=True)
class ProviderConfig:
    """What a provider adds to the config language (``regform.providers.CONFIG``).

    The callables receive the config loader's objects (``regform.config.merge.Item`` and
    ``regform.errors.ConfigIssue`` lists); they are typed loosely so that this contract does not
    depend on the loader.
    """

    #: registry keys that configure the connection (kept in ``RegistryConfig.connection``).
    connection_keys: tuple[str, ...]
    #: repository-entry keys -> the provider's own fields they set (``Repository.extra``).
    setting_fields: Mapping[str, str] = field(default_factory=dict)
    #: JSON Schema fragment: ``{"registry": {props}, "repositorySettings": {props},
    #: "$defs": {...}}``, merged into the config schema.
    schema: Mapping[str, Any] = field(default_factory=dict)
    #: the problem with a repository name, if any (None: the OCI name rules apply).
    name_problem: Callable[[str], str | None] | None = None
    #: groups of keys that set the same thing in different ways: a key an entry sets itself
    #: overrides the others of its group taken from ``defaults``.
    alternatives: tuple[tuple[str, ...], ...] = ()
    #: ``check_registry(item, issues)``: semantic checks of one registry declaration.
    check_registry: Callable[[Any, list[Any]], None] | None = None
    #: ``check_entry(item, settings, merged, issues)``: checks of one repository entry with its
    #: effective settings (defaults applied) and the merged config (for named definitions).
    check_entry: Callable[[Any, Mapping[str, Any], Any, list[Any]], None] | None = None
    #: ``build(settings, lifecycles) -> (extra, lifecycle_policy)``: the provider's field values
    #: of one valid repository entry, and its lifecycle document (None: the compiled ECR one).
    build: Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[dict[str, Any], Any]] | None = (
        None
    )
    #: ``export(repository)``: the config keys declaring a repository as read (import), as
    #: groups: ``{group: {key: value}}``; a group shared by most repositories goes to defaults.
    export: Callable[[Any], dict[str, dict[str, Any]]] | None = None


class Provider(Protocol):
    """Adapter between regform's model and one registry API."""

    registry: str
    capabilities: Capabilities

    def list_repositories(self) -> dict[str, Repository]: ...

    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        """Return the repositories named in ``wanted`` with the listed fields read
        (``loaded`` includes them). Names that do not exist are left out."""
        ...

    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]: ...

    def apply(self, change: Change) -> None: ...

    def list_images(self, repository: str) -> list[Image]: ...

    def check_identity(self) -> None: ...

    def api_calls(self) -> dict[str, int]:
        """Calls made so far, by operation name."""
        ...


@dataclass
class CallCounter:
    """Counts API calls by operation; shared helper for providers."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, op: str, n: int = 1) -> None:
        self.counts[op] = self.counts.get(op, 0) + n
