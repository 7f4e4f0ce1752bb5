"""The contract every registry provider implements, and what it declares about itself.

The workflow (read, diff, plan, apply, safety) lives in the core. A provider only translates between
regform's model and one registry API. :class:`Provider` lists every method the core calls:

* ``list_repositories()`` -- every repository with the fields one listing call gives cheaply;
* ``read_details(wanted)`` -- the extra per-repository fields the core asks for, and only those;
* ``read_named(wanted)`` -- the same for a few named repositories, without a full listing where the
  API can (default: ``read_details``);
* ``read_settings(kinds)`` -- registry-level singletons (registry policy, scanning, ...);
* ``apply(change)`` -- carry out one :class:`~regform.plan.Change`;
* ``list_images(name)`` / ``list_images_many(names)`` -- images of repositories, for lifecycle
  previews and enforcement (default of the second: one ``list_images`` after another);
* ``normalize_desired(repo)`` -- a declared repository in the form the registry reports it (default:
  unchanged);
* ``check_identity()`` -- raise :class:`~regform.errors.IdentityError` before any read or write
  when the credentials do not belong to the declared registry;
* ``identity()`` -- provider, account, region and endpoint, recorded in plans;
* ``api_calls()`` -- calls made so far, by operation; ``close()`` -- release what it holds.

:class:`ProviderKind` is what a provider's package declares without loading any client library:
its capabilities (which fields it supports, which force a replace), the config keys that say how to
reach it with their JSON Schema, the rules of its config beyond the schema, and its factory.
"""

from __future__ import annotations

import importlib
import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from types import TracebackType
from typing import Any, Protocol, Self

from regform.errors import ProviderError, RegformError
from regform.model import Capabilities, Image, RegistryConfig, Repository
from regform.plan import Change
from regform.providers.credential import Credential

#: the identity key naming the local directory a registry's state lives in (the ECR sandbox's).
STATE_DIR = "sandbox_state"

#: (path inside the registry entry, message, whether the message is about the key itself).
ConfigProblem = tuple[tuple[str | int, ...], str, bool]


class RegistryEntry(Protocol):
    """A registry entry of the config, as a provider's own checks see it."""

    @property
    def value(self) -> Any:
        """The entry as written."""

    def get(self, key: str) -> Any:
        """The value of ``key`` when it passed the schema (None otherwise)."""


class Provider(ABC):
    """Adapter between regform's model and one registry API."""

    registry: str
    capabilities: Capabilities

    @abstractmethod
    def list_repositories(self) -> dict[str, Repository]: ...

    @abstractmethod
    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        """Return the repositories named in ``wanted`` with the listed fields read
        (``loaded`` includes them). Names that do not exist are left out."""

    def read_named(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        """:meth:`read_details` for a few named repositories, listing no others where the
        registry's API allows it."""
        return self.read_details(wanted)

    @abstractmethod
    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]:
        """The value of each kind in ``kinds`` (a key for every kind read)."""

    def read_settings_failing_fast(self, kinds: frozenset[str]) -> dict[str, Any]:
        """:meth:`read_settings`, where an answer that retrying cannot fix (an operation the
        endpoint does not implement) fails at its first attempt instead of after every retry."""
        return self.read_settings(kinds)

    @abstractmethod
    def apply(self, change: Change) -> Sequence[str] | None:
        """Carry out ``change``. May return the steps done ("created", "policy set"); a change
        that fails part way may raise :class:`~regform.errors.PartialApplyError`."""

    @abstractmethod
    def list_images(self, repository: str) -> list[Image]: ...

    def list_images_many(self, repositories: Iterable[str]) -> dict[str, list[Image]]:
        """The images of several repositories (a provider may read them concurrently)."""
        return {name: self.list_images(name) for name in repositories}

    def normalize_desired(self, repo: Repository) -> Repository:
        """A declared repository as the registry would report it (e.g. key aliases resolved)."""
        return repo

    def as_declared(self, repo: Repository) -> Repository:
        """A repository read from the registry in the simplest form that declares it (what
        ``regform import`` writes): values the registry fills in by default left out."""
        return repo

    @abstractmethod
    def check_identity(self) -> None: ...

    def identity(self) -> dict[str, str]:
        """Where the provider reads and writes: ``{"provider", "account", "region",
        "endpoint"}`` (empty strings where they do not apply), and :data:`STATE_DIR` where the
        registry's state is a local directory (the ECR sandbox's). Saved plans record it."""
        return {"provider": type(self).__name__, "account": "", "region": "", "endpoint": ""}

    @abstractmethod
    def api_calls(self) -> dict[str, int]:
        """Calls made so far, by operation name."""

    def close(self) -> None:  # noqa: B027 -- most providers hold nothing to release
        """Release what the provider holds (connections, an emulator's state)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


#: builds a provider for a declared registry: (registry, *, sandbox, parallelism) -> Provider.
Factory = Callable[..., Provider]


def _no_problems(entry: RegistryEntry) -> list[ConfigProblem]:
    return []


def _any_name(name: str) -> str | None:
    return None


def _no_auth_key(registry: RegistryConfig) -> str | None:
    return None


def _own_store(entry: RegistryEntry) -> tuple[tuple[str, ...], str] | None:
    return None


@dataclass(frozen=True)
class RepositoryKeys:
    """What a provider adds to repository entries: keys of its own (or a meaning of its own for
    a shared key), with their JSON Schema, checks, the values they build and the reverse.

    The callables receive the config loader's objects (``regform.config.merge.Item``, the merged
    config, ``ConfigIssue`` lists); they are typed loosely so that this contract does not depend
    on the loader.
    """

    #: package holding ``repository.schema.json``: JSON Schema ``properties`` added to the
    #: repository settings (entries and defaults) and ``$defs`` they refer to.
    package: str
    #: entry key -> the field it sets (a provider's own fields live in ``Repository.extra``).
    fields: Mapping[str, str] = field(default_factory=dict)
    #: groups of keys that set one thing in different ways: a key an entry sets itself
    #: overrides the others of its group taken from ``defaults``.
    alternatives: tuple[tuple[str, ...], ...] = ()
    #: ``check_entry(item, settings, merged, issues)``: checks of one entry with its effective
    #: settings (defaults applied), reported with file, line and field.
    check_entry: Callable[[Any, Mapping[str, Any], Any, list[Any]], None] | None = None
    #: ``build(settings, lifecycles) -> (extra, lifecycle_policy)``: the provider's field values
    #: of one valid entry, and its lifecycle document (None: the compiled lifecycle, if any).
    build: Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[dict[str, Any], Any]] | None = (
        None
    )
    #: ``words(settings, lifecycles) -> {field: words}``: fields of one valid entry as the
    #: config wrote them where the values built compare another form
    #: (``Repository.declared_words``).
    words: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] | None = None
    #: ``export(repository)``: the entry keys declaring a repository as read (``import``), as
    #: groups ``{group: {key: value}}``; a group most repositories share goes to defaults.
    export: Callable[[Repository], dict[str, dict[str, Any]]] | None = None

    @cached_property
    def schema(self) -> dict[str, Any]:
        text = resources.files(self.package).joinpath("repository.schema.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        return data


@dataclass(frozen=True)
class ProviderKind:
    """What one provider declares: config validation reads it without loading the provider."""

    #: the value of ``provider:`` in a registry entry.
    name: str
    capabilities: Capabilities
    #: package holding ``registry.schema.json``: a ``title`` for people, the JSON Schema
    #: ``properties`` of the registry keys that say how to reach the registry (their names are
    #: the connection keys, in order) and the ``required`` ones.
    package: str
    #: "module:attribute" of the :data:`Factory`, imported only when a provider is built
    #: (None: a credentials-only registry, which has no provider to build).
    factory: str | None
    #: rules of a registry entry beyond its schema.
    check_registry: Callable[[RegistryEntry], list[ConfigProblem]] = _no_problems
    #: why a repository name is invalid in this registry (None: it is valid).
    name_problem: Callable[[str], str | None] = _any_name
    #: the registry-level settings store an entry reaches, as (identity, words for people):
    #: two entries with one identity may not both declare a settings kind (None: its own).
    settings_store: Callable[[RegistryEntry], tuple[tuple[str, ...], str] | None] = _own_store
    #: connection values implied when not declared.
    connection_defaults: Mapping[str, Any] = field(default_factory=dict)
    #: repository-entry keys of its own (None: regform's keys only).
    repository_keys: RepositoryKeys | None = None
    #: "module:function" giving a client credential for a registry,
    #: ``(RegistryConfig, *, check: bool) -> Credential`` (``check``: the registry must accept
    #: it first), imported only when asked (None: regform cannot log in to it).
    credential: str | None = None
    #: the auth-file key a registry's credentials go under, as far as its config tells.
    auth_key: Callable[[RegistryConfig], str | None] = _no_auth_key
    #: whether a registry answers for a (normalized) host a client names (None: the host of
    #: its ``auth_key``).
    serves_host: Callable[[RegistryConfig, str], bool] | None = None
    #: the user name every credential of it carries (ECR: ``AWS``), so listing hosts needs no
    #: credential (None: it is the declared one).
    token_username: str | None = None

    @cached_property
    def schema(self) -> dict[str, Any]:
        text = resources.files(self.package).joinpath("registry.schema.json").read_text("utf-8")
        data: dict[str, Any] = json.loads(text)
        return data

    @property
    def title(self) -> str:
        return str(self.schema["title"])

    @property
    def connection_keys(self) -> tuple[str, ...]:
        return tuple(self.schema["properties"])

    def connection(self, registry: Mapping[str, Any]) -> dict[str, Any]:
        """The connection values of a registry entry (``RegistryConfig.connection``)."""
        declared = {k: registry[k] for k in self.connection_keys if k in registry}
        implied = {k: v for k, v in self.connection_defaults.items() if k not in declared}
        return {**declared, **implied}

    def build(
        self, registry: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
    ) -> Provider:
        if self.factory is None:
            raise RegformError(
                f"registry '{registry.name}' is provider {self.name}, which holds credentials "
                "only: there is nothing to read or manage",
            )
        factory: Factory = _resolve(self.factory)
        return factory(registry, sandbox=sandbox, parallelism=parallelism)

    def fetch_credential(self, registry: RegistryConfig, *, check: bool = True) -> Credential:
        """A client credential for ``registry`` (:attr:`credential`)."""
        if self.credential is None:
            raise ProviderError(
                f"registry {registry.name}: provider {self.name} has no credentials"
            )
        source: Callable[..., Credential] = _resolve(self.credential)
        return source(registry, check=check)


class CallCounts:
    """Calls made, by operation name; safe to use from several threads (providers' clients)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}

    def add(self, op: str) -> None:
        with self._lock:
            self._counts[op] = self._counts.get(op, 0) + 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


def _resolve(name: str) -> Any:
    """What ``"module:attribute.path"`` names, importing the module only now."""
    module_name, _, attr = name.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    return target
