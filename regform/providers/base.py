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
from typing import Any, Protocol

from regform.model import Capabilities, Image, Repository
from regform.plan import Change


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
