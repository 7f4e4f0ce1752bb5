"""The one shape of registry state: what the config wants (desired) and what a provider reads.

Both sides use :class:`Repository`. A desired repository carries ``managed``: the set of fields the
config speaks about. The planner compares only those fields; anything else is left alone. An actual
repository carries ``loaded``: the fields the provider actually read (a provider skips reads that no
managed field needs).

Declared absence is explicit: ``lifecycle_policy`` in ``managed`` with value ``None`` means "this
repository must have no lifecycle policy" (``lifecycle: none`` in YAML).

Documents (lifecycle policy, repository policy) are plain JSON-compatible dicts, stored in the form
the config produced or the provider read. The planner normalizes them before comparing
(:mod:`regform.documents.normalize`). Instances are treated as immutable: never mutate a dict held
by a model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from regform.plan.previews import LIFECYCLE_WORDS, PreviewWords

JsonDict = dict[str, Any]

# Field names used everywhere: in ``managed``/``loaded``, in plan field paths, in capabilities.
MUTABILITY = "image_tag_mutability"
MUTABILITY_EXCLUSIONS = "image_tag_mutability_exclusions"
SCAN_ON_PUSH = "scan_on_push"
ENCRYPTION = "encryption"
TAGS = "tags"
LIFECYCLE_POLICY = "lifecycle_policy"
REPOSITORY_POLICY = "repository_policy"

REPOSITORY_FIELDS: tuple[str, ...] = (
    MUTABILITY,
    MUTABILITY_EXCLUSIONS,
    SCAN_ON_PUSH,
    ENCRYPTION,
    TAGS,
    LIFECYCLE_POLICY,
    REPOSITORY_POLICY,
)

#: what a repository gets when nothing says otherwise (ECR's default too).
DEFAULT_MUTABILITY = "MUTABLE"


def matches_any(name: str, globs: Iterable[str]) -> bool:
    """Whether ``name`` matches one of the globs (scope, targets; ``*`` matches across ``/``)."""
    return any(fnmatchcase(name, glob) for glob in globs)


#: keys of ``Repository.to_dict()`` that are not provider-defined fields.
_NOT_EXTRA = frozenset(
    {
        "name",
        *REPOSITORY_FIELDS,
        "managed",
        "ignore_tags",
        "force_delete",
        "lifecycle_name",
        "lifecycle_readable",
        "policy_name",
        "info",
    }
)


@dataclass(frozen=True, slots=True)
class Encryption:
    """Encryption at rest. ``kms_key`` is an ARN, key id or alias as written; the ECR provider
    resolves it to a key ARN before comparing."""

    type: str = "AES256"  # AES256 | KMS | KMS_DSSE
    kms_key: str | None = None

    def to_dict(self) -> JsonDict:
        return {"type": self.type, "kms_key": self.kms_key}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Encryption:
        return cls(type=str(data.get("type", "AES256")), kms_key=data.get("kms_key"))


@dataclass(frozen=True, slots=True)
class Repository:
    """One repository: what the config wants, or what a registry has."""

    name: str
    image_tag_mutability: str = DEFAULT_MUTABILITY
    image_tag_mutability_exclusions: tuple[str, ...] = ()
    scan_on_push: bool = False
    encryption: Encryption = field(default_factory=Encryption)
    tags: Mapping[str, str] = field(default_factory=dict)
    lifecycle_policy: JsonDict | None = None
    repository_policy: JsonDict | None = None
    #: fields a provider defines beyond the ones above (Harbor's ``public``, ``members`` ...),
    #: by name, as plain JSON-compatible data in the provider's canonical form. They take part
    #: in ``managed``/``loaded`` and comparisons like any field.
    extra: Mapping[str, Any] = field(default_factory=dict)

    # Desired side only --------------------------------------------------------------------
    #: fields the config manages; the planner ignores every other field.
    managed: frozenset[str] = frozenset()
    #: tag keys other systems own: never added, changed or removed by regform.
    ignore_tags: frozenset[str] = frozenset()
    #: delete even when it holds images (taken from the config at apply time).
    force_delete: bool = False
    #: name of the lifecycle definition in the config, for display ("pr-builds"), if any.
    lifecycle_name: str | None = None
    #: the lifecycle policy was declared with readable rules (plans show it in that form).
    lifecycle_readable: bool = False
    #: name of the repository-policy definition in the config, for display, if any.
    policy_name: str | None = None
    #: a provider's words for fields it compares in another form (Harbor: a quota declared as
    #: ``50GiB``, retention rules as written), by field; its ``field_display`` shows changes in
    #: them (``Capabilities.field_display``). Never compared.
    declared_words: Mapping[str, Any] = field(default_factory=dict)

    # Actual side only ---------------------------------------------------------------------
    #: fields the provider read (listing fields plus details it was asked for).
    loaded: frozenset[str] = frozenset()
    #: provider-specific facts shown to users (ARN, URI, created_at, image count), never compared.
    info: Mapping[str, Any] = field(default_factory=dict)

    def value(self, field_name: str) -> Any:
        """The comparable value of one field, as plain JSON-compatible data."""
        if field_name not in REPOSITORY_FIELDS:
            return self.extra.get(field_name)
        v = getattr(self, field_name)
        if isinstance(v, Encryption):
            return v.to_dict()
        if isinstance(v, tuple):
            return list(v)
        if isinstance(v, Mapping):
            return dict(v)
        return v

    def to_dict(self) -> JsonDict:
        """JSON-compatible form used in plans (only meaningful fields)."""
        out: JsonDict = {"name": self.name}
        fields = self.managed or self.loaded or frozenset(REPOSITORY_FIELDS)
        for f in REPOSITORY_FIELDS:
            if f in fields:
                out[f] = self.value(f)
        for f in sorted(self.extra):
            if f in fields or not (self.managed or self.loaded):
                out[f] = self.extra[f]
        if self.managed:
            out["managed"] = sorted(self.managed)
        if self.ignore_tags:
            out["ignore_tags"] = sorted(self.ignore_tags)
        if self.force_delete:
            out["force_delete"] = True
        if self.lifecycle_name:
            out["lifecycle_name"] = self.lifecycle_name
        if self.lifecycle_readable:
            out["lifecycle_readable"] = True
        if self.policy_name:
            out["policy_name"] = self.policy_name
        if self.info:
            out["info"] = dict(self.info)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Repository:
        extra = {k: v for k, v in data.items() if k not in _NOT_EXTRA}
        present = frozenset(f for f in REPOSITORY_FIELDS if f in data) | extra.keys()
        enc = data.get(ENCRYPTION)
        return cls(
            name=str(data["name"]),
            image_tag_mutability=str(data.get(MUTABILITY, DEFAULT_MUTABILITY)),
            image_tag_mutability_exclusions=tuple(data.get(MUTABILITY_EXCLUSIONS, ())),
            scan_on_push=bool(data.get(SCAN_ON_PUSH, False)),
            encryption=Encryption.from_dict(enc) if enc else Encryption(),
            tags=dict(data.get(TAGS) or {}),
            lifecycle_policy=data.get(LIFECYCLE_POLICY),
            repository_policy=data.get(REPOSITORY_POLICY),
            managed=frozenset(data.get("managed", ())),
            ignore_tags=frozenset(data.get("ignore_tags", ())),
            force_delete=bool(data.get("force_delete", False)),
            lifecycle_name=data.get("lifecycle_name"),
            lifecycle_readable=bool(data.get("lifecycle_readable", False)),
            policy_name=data.get("policy_name"),
            extra=extra,
            loaded=frozenset() if data.get("managed") else present,
            info=dict(data.get("info") or {}),
        )


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was declared: for error messages that name file, line and column."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class SafetySettings:
    """Per-registry guards applied by the planner and applier."""

    #: refuse plans whose updates+deletes+replaces exceed this share of owned repositories ...
    max_change_percent: float = 30.0
    #: ... when at least this many owned repositories exist.
    min_repositories: int = 10


@dataclass(frozen=True, slots=True)
class RepositoryPattern:
    """A ``repositories:`` entry with ``pattern:`` (a glob such as ``apps/*``) instead of names.

    It declares the settings of repositories created on demand (``regform ensure``): plan manages
    an existing repository whose name matches with these settings, but never creates one (it
    does not know the names) and never deletes one as undeclared.
    """

    pattern: str
    #: the settings, as a desired repository named after the pattern.
    template: Repository
    #: also covers each match's cache companion ``<name><cache_suffix>`` (``cache: true``).
    cache: bool = False

    def repository(self, name: str) -> Repository:
        """The desired repository ``name`` (a match of the pattern)."""
        return replace(self.template, name=name)

    def to_dict(self) -> JsonDict:
        return {"pattern": self.pattern, "cache": self.cache, "settings": self.template.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RepositoryPattern:
        return cls(
            pattern=str(data["pattern"]),
            template=Repository.from_dict(data["settings"]),
            cache=bool(data.get("cache", False)),
        )


@dataclass(frozen=True, slots=True)
class RegistryConfig:
    """One declared registry (one provider endpoint) with everything desired of it."""

    name: str
    provider: str  # "ecr" | "distribution" | "dockerhub"
    #: connection options: region, account_id, profile, role_arn, external_id, endpoint_url,
    #: sandbox (ECR); url, ca_cert, insecure, allow_http, credentials (distribution). No secrets.
    connection: Mapping[str, Any]
    #: glob patterns of names regform owns here ("team-a/*"); names outside are never touched.
    scope: tuple[str, ...] = ("*",)
    #: delete owned repositories that are no longer declared.
    prune: bool = False
    #: "scope": owned = inside scope; "tag": also needs the managed-by tag regform sets.
    ownership: str = "scope"
    #: the tag regform sets on repositories it creates, and reads back for ``ownership: tag``.
    ownership_tag: tuple[str, str] = ("managed-by", "regform")
    safety: SafetySettings = field(default_factory=SafetySettings)
    repositories: Mapping[str, Repository] = field(default_factory=dict)
    #: pattern entries, in config order (the first that matches a name applies).
    patterns: tuple[RepositoryPattern, ...] = ()
    #: registry-level singletons (registry policy, scanning, replication, ...), keyed by kind.
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: where each repository / setting / pattern was declared (key: repository name,
    #: "settings.<kind>" or "pattern:<glob>").
    locations: Mapping[str, Location] = field(default_factory=dict)
    #: cache companion suffix for ``cache: true`` entries, e.g. "/cache".
    cache_suffix: str = "/cache"
    #: deleting an undeclared repository (prune) may delete the images it holds.
    force_delete: bool = False


@dataclass(frozen=True, slots=True)
class Definition:
    """A named lifecycle or repository policy definition of the config."""

    #: the document it compiles to (ECR lifecycle JSON, IAM policy)
    document: JsonDict
    #: the definition as the config writes it (readable rules, shorthand, ``ecr_json``...)
    source: Any


@dataclass(frozen=True, slots=True)
class Config:
    """What :func:`regform.config.load_config` returns: every registry fully expanded."""

    registries: Mapping[str, RegistryConfig]
    files: tuple[str, ...] = ()
    #: sha256 of the canonical desired model; a saved plan records it (stale-plan check).
    checksum: str = ""
    #: what the config check warned about (``file:line: path: message``); plans repeat them.
    warnings: tuple[str, ...] = ()
    #: sha256 of each file's bytes, by the name it was read under (a saved plan records them,
    #: to name the files changed since)
    file_checksums: Mapping[str, str] = field(default_factory=dict)
    #: registries declared only for their credentials (``provider: dockerhub``): logins and
    #: pull secrets use them; plans, drift and apply never see them.
    credentials_only: Mapping[str, RegistryConfig] = field(default_factory=dict)
    #: the named definitions (``lifecycle_policies``, ``repository_policies``) that compiled.
    lifecycle_policies: Mapping[str, Definition] = field(default_factory=dict)
    repository_policies: Mapping[str, Definition] = field(default_factory=dict)

    def all_registries(self) -> dict[str, RegistryConfig]:
        """Every declared registry by name, credentials-only ones included."""
        merged = {**self.registries, **self.credentials_only}
        return {name: merged[name] for name in sorted(merged)}


@dataclass(frozen=True, slots=True)
class RegistryState:
    """What a provider read from one registry."""

    repositories: Mapping[str, Repository] = field(default_factory=dict)
    settings: Mapping[str, Any] = field(default_factory=dict)


#: push time of an image whose creation time is unknown; such images are never deleted by a rule.
UNDATED = datetime(1970, 1, 1, tzinfo=UTC)


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
    #: what an image's time (``Image.pushed_at``) is, in the registry's words: "pushed" (ECR,
    #: Harbor record the push) or "created" (the image's own creation time, all a distribution
    #: registry records). Shown as the time column of image lists.
    image_time: str = "pushed"
    #: how previews of its lifecycle speak (``lifecycle would expire 3 of 8 images``).
    preview_words: PreviewWords = LIFECYCLE_WORDS
    #: fields the registry's vendor deprecated -> the warning a plan shows when it sets them.
    deprecated: Mapping[str, str] = field(default_factory=dict)
    #: the module whose ``evaluate(policy, images, now)`` and ``explain(policy, images, now)``
    #: tell what the registry's own lifecycle does (previews); ECR's algorithm by default. Its
    #: ``PREVIEW_FIELDS`` name the repository fields that also decide what a policy removes, and
    #: ``in_effect(policy, facts)`` adds their values to the document evaluated.
    lifecycle_engine: str = "regform.lifecycle"
    #: the module whose ``diff_lines(field, before, after)`` shows a change of one of the
    #: provider's own fields (None: the generic document diff), and whose
    #: ``display_lines(field, before, after, words)`` / ``drift_lines(field, declared, found,
    #: words)`` show a plan's change / a drift in the words the config declared it with.
    field_display: str | None = None
    #: the provider's fields whose new entries come with a secret the registry shows only once
    #: (Harbor's ``robots``): a plan creating one carries a guard, and apply needs somewhere to
    #: put the secret before it writes anything.
    secret_fields: frozenset[str] = frozenset()
    #: the registry is declared only for its credentials (``regform login``, pull secrets):
    #: no repositories, settings or plans.
    credentials_only: bool = False


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


class FailOn(StrEnum):
    """What makes ``regform drift`` exit 2."""

    DRIFT = "drift"  # declared things changed, missing or unexpected
    UNMANAGED = "unmanaged"  # undeclared repositories inside a scope
    ANY = "any"
