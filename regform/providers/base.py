"""The contract every registry provider implements.

The workflow (read, diff, plan, apply, safety) lives in the core. A provider only translates between
regform's model and one registry API:

* ``list_repositories()`` -- every repository with the fields one listing call gives cheaply;
* ``read_details(wanted)`` -- the extra per-repository fields the core asks for, and only those;
* ``read_settings(kinds)`` -- registry-level singletons (registry policy, scanning, ...);
* ``apply(change)`` -- carry out one :class:`~regform.plan.Change`;
* ``list_images(name)`` -- images of one repository, for lifecycle previews and enforcement;
* ``check_identity()`` -- raise :class:`~regform.errors.IdentityError` before any read or write
  when the credentials do not belong to the declared account;
* ``identity()`` -- provider, account, region and endpoint, recorded in plans.

Capabilities declare which fields a provider supports (declaring an unsupported one is a validation
error naming the field) and which fields force a replace when they change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from regform.model import Repository
from regform.plan import Change


@dataclass(frozen=True, slots=True)
class Capabilities:
    #: repository fields this provider manages (``regform.model`` field names).
    fields: frozenset[str]
    #: changing one of these forces a replace (delete + create).
    replace_on: frozenset[str] = frozenset()
    #: fields returned by ``list_repositories`` itself (no extra call needed).
    listing_fields: frozenset[str] = frozenset()
    #: registry-level setting kinds this provider manages.
    settings: frozenset[str] = frozenset()
    can_create: bool = True
    can_delete: bool = True
    #: the registry evaluates lifecycle policies itself (ECR); otherwise regform enforces them
    #: by deleting what its lifecycle engine selects.
    native_lifecycle: bool = True
    #: fields the registry's vendor deprecated -> the warning a plan shows when it sets them.
    deprecated: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Image:
    """One image (manifest) in a repository, as the lifecycle engine sees it."""

    digest: str
    tags: tuple[str, ...]
    pushed_at: datetime
    last_pulled_at: datetime | None = None
    storage_class: str = "standard"  # "standard" | "archive"
    archived_at: datetime | None = None
    last_activated_at: datetime | None = None
    #: digests of manifest lists / indexes that reference this image (it may not be expired).
    referenced_by: tuple[str, ...] = ()
    #: digests this image references (for a manifest list / index).
    references: tuple[str, ...] = ()
    size_bytes: int | None = None
    media_type: str | None = None


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

    def apply(self, change: Change) -> Sequence[str] | None:
        """Carry out ``change``. May return the steps done ("created", "policy set"); a change
        that fails part way may raise :class:`~regform.errors.PartialApplyError`."""
        ...

    def list_images(self, repository: str) -> list[Image]: ...

    def check_identity(self) -> None: ...

    def identity(self) -> dict[str, str]:
        """Where the provider reads and writes: ``{"provider", "account", "region",
        "endpoint"}`` (empty strings where it does not apply). Saved plans record it."""
        ...

    def api_calls(self) -> dict[str, int]:
        """Calls made so far, by operation name."""
        ...


@dataclass
class CallCounter:
    """Counts API calls by operation; shared helper for providers."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, op: str, n: int = 1) -> None:
        self.counts[op] = self.counts.get(op, 0) + n
