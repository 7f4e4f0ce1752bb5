"""The plan: pure data. Renderers turn it into text, the applier carries it out, nothing decides.

JSON format (``Plan.to_dict()``), versioned by ``FORMAT_VERSION``: bump the major part on any
breaking change, the minor part for additions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from regform.plan.kinds import ACTION_ORDER as ACTION_ORDER
from regform.plan.kinds import IMAGES as IMAGES
from regform.plan.kinds import REPOSITORY as REPOSITORY
from regform.plan.kinds import Action as Action
from regform.plan.kinds import address as address
from regform.plan.previews import LIFECYCLE_WORDS as LIFECYCLE_WORDS
from regform.plan.previews import RETENTION_WORDS as RETENTION_WORDS
from regform.plan.previews import LifecyclePreview as LifecyclePreview
from regform.plan.previews import PreviewWords as PreviewWords
from regform.plan.previews import RepositoryPreview as RepositoryPreview

FORMAT_VERSION = "1.5"


def document_header(
    format_version: str, regform_version: str, created_at: str, registries: Mapping[str, str]
) -> dict[str, Any]:
    """The leading keys of a plan's and a drift report's JSON form."""
    return {
        "format_version": format_version,
        "regform_version": regform_version,
        "created_at": created_at,
        "registries": dict(registries),
    }


@dataclass(frozen=True, slots=True)
class Addressed:
    """What a plan or report speaks of: a repository, a setting entry, an image deletion."""

    registry: str
    kind: str  # "repository", a registry-setting kind ("registry_policy", ...) or "images"
    name: str

    @property
    def address(self) -> str:
        return address(self.registry, self.kind, self.name)

    def identity(self) -> dict[str, Any]:
        """The leading keys of its JSON form."""
        return {
            "address": self.address,
            "registry": self.registry,
            "kind": self.kind,
            "name": self.name,
        }

    @staticmethod
    def identity_of(d: Mapping[str, Any]) -> dict[str, Any]:
        """The constructor arguments :meth:`identity` wrote."""
        return {"registry": d["registry"], "kind": d["kind"], "name": d["name"]}


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str  # "image_tag_mutability", "tags.team", "encryption", "lifecycle_policy"
    before: Any
    after: Any
    forces_replacement: bool = False
    #: readable minimal diff lines for documents ("+ Statement[1].Principal.AWS: ..."); optional.
    diff: tuple[str, ...] = ()
    #: the same difference in the words of the config, where it has its own (a lifecycle policy
    #: declared with readable rules: "~ rules[2].older_than_days: 14 -> 10"); optional.
    display: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "path": self.path,
            "before": self.before,
            "after": self.after,
            "forces_replacement": self.forces_replacement,
        }
        if self.diff:
            d["diff"] = list(self.diff)
        if self.display:
            d["display"] = list(self.display)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FieldChange:
        return cls(
            path=d["path"],
            before=d.get("before"),
            after=d.get("after"),
            forces_replacement=bool(d.get("forces_replacement", False)),
            diff=tuple(d.get("diff", ())),
            display=tuple(d.get("display", ())),
        )


@dataclass(frozen=True, slots=True)
class Change(Addressed):
    action: Action
    fields: tuple[FieldChange, ...] = ()
    #: the full desired object (create/update/replace) and the object found (update/replace/delete),
    #: as JSON-compatible dicts (``Repository.to_dict()`` for repositories).
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    #: reasons a reviewer must see: "deletes all images in the repository", "needs force_delete".
    notes: tuple[str, ...] = ()
    #: lifecycle preview for this repository (only when requested or the policy changes).
    preview: LifecyclePreview | None = None
    #: delete even when images are present (from the config at plan time; a saved plan is
    #: refused when the config changed since, so this is the config's value at apply time).
    force_delete: bool = False
    #: images the repository held when planned (deletes and replaces; None: not counted). A saved
    #: plan is refused when the repository holds more at apply time.
    image_count: int | None = None

    @property
    def destructive(self) -> bool:
        return self.action.destructive

    @property
    def images_deleted(self) -> int:
        """How many images an image-deletion change deletes (0 for any other change)."""
        if self.kind != IMAGES or self.action is not Action.DELETE:
            return 0
        return len((self.before or {}).get("images") or ())

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.identity(),
            "action": self.action.value,
            "destructive": self.destructive,
            "fields": [f.to_dict() for f in self.fields],
            "before": self.before,
            "after": self.after,
            "notes": list(self.notes),
            "preview": self.preview.to_dict() if self.preview else None,
            "force_delete": self.force_delete,
            "image_count": self.image_count,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Change:
        return cls(
            **Addressed.identity_of(d),
            action=Action(d["action"]),
            fields=tuple(FieldChange.from_dict(f) for f in d.get("fields", ())),
            before=d.get("before"),
            after=d.get("after"),
            notes=tuple(d.get("notes", ())),
            preview=LifecyclePreview.from_dict(d["preview"]) if d.get("preview") else None,
            force_delete=bool(d.get("force_delete", False)),
            image_count=_optional_int(d.get("image_count")),
        )


def _optional_int(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"image_count {value!r} is not a number")
    return value


@dataclass(frozen=True, slots=True)
class Unmanaged:
    """A repository that exists but no config declares."""

    registry: str
    name: str
    in_scope: bool  # inside the registry's scope (would be deleted with prune + ownership)
    reason: str = ""  # why it is not deleted ("prune is off", "not tagged managed-by=regform")

    def to_dict(self) -> dict[str, Any]:
        return {
            "registry": self.registry,
            "name": self.name,
            "in_scope": self.in_scope,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Unmanaged:
        return cls(d["registry"], d["name"], bool(d["in_scope"]), d.get("reason", ""))


@dataclass(frozen=True, slots=True)
class Guard:
    """A safety rule the plan trips; apply refuses unless the named flag is given."""

    registry: str
    flag: str  # "--allow-destroy" | "--force"
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"registry": self.registry, "flag": self.flag, "message": self.message}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Guard:
        return cls(d["registry"], d["flag"], d["message"])


@dataclass(frozen=True, slots=True)
class Plan:
    changes: tuple[Change, ...] = ()
    unmanaged: tuple[Unmanaged, ...] = ()
    guards: tuple[Guard, ...] = ()
    warnings: tuple[str, ...] = ()
    #: registry name -> provider name ("ecr"), for headings.
    registries: Mapping[str, str] = field(default_factory=dict)
    #: sha256 of the desired model the plan was made from.
    config_checksum: str = ""
    #: registry name -> sha256 of the actual state read (restricted to what was read).
    state_checksums: Mapping[str, str] = field(default_factory=dict)
    #: API calls made while reading, by operation (for display and benchmarks).
    api_calls: Mapping[str, int] = field(default_factory=dict)
    regform_version: str = ""
    created_at: str = ""
    #: ``--target`` globs the plan was limited to (empty: every repository).
    targets: tuple[str, ...] = ()
    #: lifecycle previews of repositories without a change (``plan --lifecycle-preview``);
    #: a changed repository carries its preview in ``Change.preview``.
    lifecycle_previews: tuple[RepositoryPreview, ...] = ()
    #: registry name -> where the plan read it: ``{"provider", "account", "region",
    #: "endpoint"}`` (a saved plan is applied only to the same registry).
    identities: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: the ``-c`` paths the plan was made from, relative to the directory it ran in.
    config_paths: tuple[str, ...] = ()
    #: sha256 of each config file's bytes, by the name it was read under (format 1.5): a
    #: stale plan names the files that changed.
    config_files: Mapping[str, str] = field(default_factory=dict)
    #: guard flags (``--allow-destroy``, ``--force``) given at plan time: a saved plan's
    #: guards with these flags are approved; applying it needs them no more.
    approved: tuple[str, ...] = ()

    def is_approved(self, guard: Guard) -> bool:
        """Whether ``guard`` was approved when the plan was made."""
        return guard.flag in self.approved

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def summary(self) -> dict[str, int]:
        """Changes by action; image deletions are counted apart (:attr:`image_deletions`)."""
        counts = {a.value: 0 for a in ACTION_ORDER}
        for c in self.changes:
            if c.kind != IMAGES:
                counts[c.action.value] += 1
        return counts

    @property
    def image_deletions(self) -> dict[str, int]:
        """Images deleted by retention regform enforces, and the repositories they are in."""
        images = [c for c in self.changes if c.kind == IMAGES]
        return {
            "images": sum(c.images_deleted for c in images),
            "repositories": len(images),
        }

    @property
    def destructive(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.destructive)

    def to_dict(self) -> dict[str, Any]:
        return {
            **document_header(
                FORMAT_VERSION, self.regform_version, self.created_at, self.registries
            ),
            "config_checksum": self.config_checksum,
            "state_checksums": dict(self.state_checksums),
            "summary": self.summary,
            "image_deletions": self.image_deletions,
            "changes": [c.to_dict() for c in self.changes],
            "unmanaged": [u.to_dict() for u in self.unmanaged],
            "guards": [g.to_dict() for g in self.guards],
            "warnings": list(self.warnings),
            "api_calls": dict(self.api_calls),
            "targets": list(self.targets),
            "lifecycle_previews": [p.to_dict() for p in self.lifecycle_previews],
            "identities": {k: dict(v) for k, v in self.identities.items()},
            "config_paths": list(self.config_paths),
            "config_files": dict(self.config_files),
            "approved": list(self.approved),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Plan:
        major = str(d.get("format_version", "")).split(".")[0]
        if major != FORMAT_VERSION.split(".")[0]:
            raise ValueError(
                f"plan format_version {d.get('format_version')!r} is not supported "
                f"(this regform reads {FORMAT_VERSION.split('.')[0]}.x)"
            )
        return cls(
            changes=tuple(Change.from_dict(c) for c in d.get("changes", ())),
            unmanaged=tuple(Unmanaged.from_dict(u) for u in d.get("unmanaged", ())),
            guards=tuple(Guard.from_dict(g) for g in d.get("guards", ())),
            warnings=tuple(d.get("warnings", ())),
            registries=dict(d.get("registries", {})),
            config_checksum=d.get("config_checksum", ""),
            state_checksums=dict(d.get("state_checksums", {})),
            api_calls=dict(d.get("api_calls", {})),
            regform_version=d.get("regform_version", ""),
            created_at=d.get("created_at", ""),
            targets=tuple(d.get("targets", ())),
            lifecycle_previews=tuple(
                RepositoryPreview.from_dict(p) for p in d.get("lifecycle_previews", ())
            ),
            identities={k: dict(v) for k, v in d.get("identities", {}).items()},
            config_paths=tuple(str(p) for p in d.get("config_paths", ())),
            config_files={str(k): str(v) for k, v in d.get("config_files", {}).items()},
            approved=tuple(str(f) for f in d.get("approved", ())),
        )


@dataclass(frozen=True, slots=True)
class PlannedDeletion:
    digest: str
    tags: frozenset[str]
    references: tuple[str, ...] = ()


def planned_deletions(change: Change) -> list[PlannedDeletion]:
    """The manifests an image-deletion change deletes, in the order to delete them."""
    if change.kind != IMAGES or change.action is not Action.DELETE:
        raise ValueError(f"{change.address} is not an image-deletion change")
    images = (change.before or {}).get("images")
    if not isinstance(images, list):
        raise ValueError(f"{change.address}: the change lists no images")
    out: list[PlannedDeletion] = []
    for entry in images:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("digest"), str):
            raise ValueError(f"{change.address}: malformed image entry {entry!r}")
        out.append(
            PlannedDeletion(
                entry["digest"],
                frozenset(str(t) for t in entry.get("tags") or ()),
                tuple(str(r) for r in entry.get("references") or ()),
            )
        )
    return out
