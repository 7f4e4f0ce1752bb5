"""The embedded sandbox: an emulated ECR registry that needs no AWS account.

``sandbox: true`` on an ECR registry (or ``regform --sandbox``) runs the registry in-process on
moto's ECR emulator (the ``sandbox`` extra: ``pip install 'regform[sandbox]'``). Only the clients
regform builds for that registry talk to the emulator: they use a private botocore session with
fixed fake credentials, no AWS config file and no environment lookup, so neither the user's real
AWS configuration nor any other registry in the same run is touched.

The emulated state is saved to a JSON file between runs, by default
``.regform/sandbox/<registry>.json`` under the current directory (``REGFORM_SANDBOX_DIR`` names
another directory), so that ``apply`` followed by ``plan`` shows no changes. On start the saved
repositories are replayed into the emulator; after every write, and on :meth:`Sandbox.close`, the
emulated state is written back. The emulator starts only when something needs it: until the
first write, the reads of a plan are answered from the saved state
(:mod:`regform.providers.ecr.snapshot`). Images are not kept. Registry-level settings the
emulator implements (registry policy, scanning, replication) are kept too; the others
(pull-through cache rules, creation templates, account settings) are not emulated and raise a
clear error.

Each sandbox registry lives in its own emulated account (its ``account_id``, or one derived from
its name), so two sandbox registries never see each other's repositories.

KMS keys are not emulated: every key exists. A key ARN is itself, an alias (or alias ARN) or key
id maps to a fixed key ARN derived from it, so a key keeps its ARN from run to run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ProfileNotFound

from regform.errors import ProviderError
from regform.files import FileProblem, read_limited, write_private
from regform.model import DEFAULT_MUTABILITY
from regform.providers.base import STATE_DIR
from regform.providers.ecr.emulator import (
    check_emulator_installed,
    isolated_session,
    operation_of,
    params_of,
    response,
    start_emulator,
)
from regform.providers.ecr.endpoint import Endpoint
from regform.providers.ecr.mapping import exclusion_filters, is_key_arn
from regform.providers.ecr.session import ConnectionSettings, client_config
from regform.providers.ecr.snapshot import Snapshot

if TYPE_CHECKING:
    from mypy_boto3_ecr import ECRClient

log = logging.getLogger(__name__)

STATE_DIR_ENV = "REGFORM_SANDBOX_DIR"
DEFAULT_STATE_DIR = Path(".regform") / "sandbox"
DEFAULT_REGION = "us-east-1"
STATE_FORMAT = 1
#: the largest state file read (a repository takes a few KiB, its policies included).
MAX_STATE_BYTES = 64 * 1024 * 1024
#: what a state file that cannot be read leaves the user to do.
START_AFRESH = f" (delete it to start afresh, or set {STATE_DIR_ENV} to another directory)"
_KMS_NAMESPACE = uuid.UUID("6c6f0d38-1a7e-4d39-9b57-0d7f1e0c5a11")


def sandbox_account_id(registry: str) -> str:
    """A stable 12-digit emulated account for a registry that declares none."""
    digest = int(hashlib.sha256(registry.encode()).hexdigest(), 16)
    return f"{digest % 10**12:012d}"


def state_path(registry: str, directory: Path | None = None) -> Path:
    base = directory or Path(os.environ.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR)
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in registry)
    return base / f"{safe}.json"


class Sandbox(Endpoint):
    """One emulated ECR registry and the file its state lives in."""

    description = "the sandbox"

    def __init__(self, registry: str, *, region: str, account_id: str, path: Path) -> None:
        self.registry = registry
        self.region = region
        self.account_id = account_id
        self.path = path
        self.session = isolated_session(region, account_id, self._send)
        self._lock = threading.Lock()
        #: moto's request handler once started; its state is not safe for concurrent writers,
        #: and starting it replays the saved state through the same clients (hence re-entrant).
        self._emulator: Any = None
        self._emulator_lock = threading.RLock()
        self._snapshot: Snapshot | None = None
        self._closed = False
        #: the saved repositories by name, as last written (None: not yet dumped).
        self._saved: dict[str, dict[str, Any]] | None = None
        #: registry-level settings the emulator holds (those it can emulate), as last saved.
        self._settings: dict[str, Any] = {}
        self._ecr = cast(
            "ECRClient",
            self.session.create_client(
                "ecr", region_name=region, config=client_config(ConnectionSettings(), self.session)
            ),
        )

    @classmethod
    def open(
        cls,
        registry: str,
        *,
        region: str | None = None,
        account_id: str | None = None,
        state_dir: Path | None = None,
    ) -> Sandbox:
        """Open the emulated registry on its saved state (if any); the emulator starts when
        something first needs it."""
        box = cls(
            registry,
            region=region or DEFAULT_REGION,
            account_id=account_id or sandbox_account_id(registry),
            path=state_path(registry, state_dir),
        )
        check_emulator_installed()
        box.load()
        log.info("registry %s runs in the sandbox (state: %s)", registry, box.path)
        return box

    def connection_settings(self, settings: ConnectionSettings) -> ConnectionSettings:
        """The registry's connection options as the sandbox uses them (no real credentials)."""
        return dataclasses.replace(
            settings, region=self.region, profile=None, role_arn=None, endpoint_url=None
        )

    def identity(self) -> dict[str, str]:
        """The directory of the state file (absolute): a plan made on one state is another's."""
        return {STATE_DIR: str(self.path.parent.resolve())}

    def caller_account(self) -> str:
        """The emulated account: the registry's ``account_id``, or one derived from its name."""
        return self.account_id

    def kms_resolver(self) -> Callable[[str], str]:
        return self.resolve_kms_key

    def resolve_kms_key(self, key: str) -> str:
        """Every key exists in the sandbox; aliases and ids map to fixed key ARNs."""
        if is_key_arn(key):
            return key
        name = key.split(":", 5)[5] if key.startswith("arn:") and key.count(":") >= 5 else key
        key_id = name if not name.startswith("alias/") else None
        if key_id is None:
            key_id = str(uuid.uuid5(_KMS_NAMESPACE, f"{self.account_id}/{self.region}/{name}"))
        return f"arn:aws:kms:{self.region}:{self.account_id}:key/{key_id}"

    # State -------------------------------------------------------------------------------

    def save(self, names: Iterable[str] | None = None) -> None:
        """Write the emulated state to the state file (atomically).

        With ``names``, only those repositories are read again from the emulator (the rest are
        as last saved), so saving after each write costs a few calls, not a full dump.
        """
        with self._lock:
            if names is None or self._saved is None:
                self._saved = self._dump_all()
                self._settings = self._dump_settings()
            else:
                for name in names:
                    entry = self._dump_one(name)
                    if entry is None:
                        self._saved.pop(name, None)
                    else:
                        self._saved[name] = entry
            self._write()

    def save_settings(self) -> None:
        """Write the state after a change to registry-level settings."""
        with self._lock:
            self._settings = self._dump_settings()
            if self._saved is None:
                self._saved = self._dump_all()
            self._write()

    def _write(self) -> None:
        data = {
            "format": STATE_FORMAT,
            "registry": self.registry,
            "region": self.region,
            "account_id": self.account_id,
            "repositories": [(self._saved or {})[n] for n in sorted(self._saved or {})],
            "settings": self._settings,
        }
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
        write_private(self.path, text, make_parents=True)

    def close(self) -> None:
        """Make sure the state is saved; the sandbox is not used afterwards.

        Every write through the provider has already been saved, so only a sandbox that never
        saved writes its (replayed) state here.
        """
        if not self._closed:
            if self._saved is None or not self.path.exists():
                self.save()
            self._closed = True

    def _dump_all(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for page in self._ecr.get_paginator("describe_repositories").paginate():
            for item in page["repositories"]:
                out[item["repositoryName"]] = self._entry(item)
        return out

    def _dump_one(self, name: str) -> dict[str, Any] | None:
        try:
            found = self._ecr.describe_repositories(repositoryNames=[name])["repositories"]
        except self._ecr.exceptions.RepositoryNotFoundException:
            return None
        return self._entry(found[0]) if found else None

    def _entry(self, item: Mapping[str, Any]) -> dict[str, Any]:
        name = str(item["repositoryName"])
        tags = self._ecr.list_tags_for_resource(resourceArn=item["repositoryArn"]).get("tags", [])
        created = item.get("createdAt")
        return {
            "name": name,
            "created_at": created.timestamp() if created is not None else None,
            "image_tag_mutability": item.get("imageTagMutability", DEFAULT_MUTABILITY),
            "image_tag_mutability_exclusions": [
                f["filter"] for f in item.get("imageTagMutabilityExclusionFilters", ())
            ],
            "scan_on_push": item.get("imageScanningConfiguration", {}).get("scanOnPush", False),
            "encryption": dict(item.get("encryptionConfiguration", {})),
            "tags": {t["Key"]: t["Value"] for t in tags},
            "lifecycle_policy_text": self._text("get_lifecycle_policy", name),
            "repository_policy_text": self._text("get_repository_policy", name),
        }

    def _text(self, operation: str, name: str) -> str | None:
        ecr: Any = self._ecr
        try:
            resp = getattr(ecr, operation)(repositoryName=name)
        except (
            ecr.exceptions.LifecyclePolicyNotFoundException,
            ecr.exceptions.RepositoryPolicyNotFoundException,
        ):
            return None
        text = resp.get("lifecyclePolicyText") or resp.get("policyText")
        return str(text) if text else None

    def _dump_settings(self) -> dict[str, Any]:
        """The registry-level settings the emulator supports; defaults are left out."""
        out: dict[str, Any] = {}
        with contextlib.suppress(self._ecr.exceptions.RegistryPolicyNotFoundException):
            out["registry_policy_text"] = self._ecr.get_registry_policy()["policyText"]
        scanning = dict(self._ecr.get_registry_scanning_configuration()["scanningConfiguration"])
        if scanning.get("scanType", "BASIC") != "BASIC" or scanning.get("rules"):
            out["scanning"] = scanning
        replication = self._ecr.describe_registry().get("replicationConfiguration", {})
        if replication.get("rules"):
            out["replication"] = dict(replication)
        return out

    def _replay_settings(self, saved: Mapping[str, Any]) -> None:
        with contextlib.suppress(self._ecr.exceptions.RegistryPolicyNotFoundException):
            self._ecr.delete_registry_policy()
        if saved.get("registry_policy_text"):
            self._ecr.put_registry_policy(policyText=str(saved["registry_policy_text"]))
        scanning = saved.get("scanning") or {"scanType": "BASIC", "rules": []}
        self._ecr.put_registry_scanning_configuration(
            scanType=scanning.get("scanType", "BASIC"), rules=list(scanning.get("rules", []))
        )
        replication = saved.get("replication") or {"rules": []}
        self._ecr.put_replication_configuration(
            replicationConfiguration={"rules": list(replication.get("rules", []))}
        )
        self._settings = dict(saved)

    @property
    def emulator_started(self) -> bool:
        """Whether the emulator runs (after the first write, or a read the state cannot answer)."""
        with self._emulator_lock:
            return self._emulator is not None

    def load(self) -> None:
        """Read the state file; reads are answered from it until the emulator starts."""
        saved, settings = self._load()
        created = self.path.stat().st_mtime if saved else 0.0
        self._snapshot = Snapshot(
            saved, settings, account_id=self.account_id, region=self.region, created_at=created
        )
        self._saved = {str(e["name"]): dict(e) for e in saved}
        self._settings = dict(settings)

    def _send(self, request: Any, **kwargs: Any) -> Any:
        """botocore's ``before-send``: answer from the saved state, or from the emulator."""
        with self._emulator_lock:
            if self._emulator is None:
                snapshot = self._snapshot
                answer = (
                    snapshot.answer(operation_of(request), params_of(request)) if snapshot else None
                )
                if answer is not None:
                    return response(request.url, *answer)
                self._start_emulator()
            return self._emulator(request=request, **kwargs)

    def _start_emulator(self) -> None:
        """Start the emulator on exactly the saved state: clear its account, then replay."""
        self._emulator = start_emulator()
        try:
            # the state load() read: nothing has been written since (a write starts the emulator)
            saved, settings = list((self._saved or {}).values()), dict(self._settings)
            self._replay_settings(settings)
            for page in self._ecr.get_paginator("describe_repositories").paginate():
                for item in page["repositories"]:
                    self._ecr.delete_repository(repositoryName=item["repositoryName"], force=True)
            for entry in saved:
                self._replay(entry)
        except ProfileNotFound as exc:  # the emulator itself reads AWS_PROFILE once
            raise ProviderError(
                f"the sandbox cannot start: {exc}; unset AWS_PROFILE or name an existing profile"
            ) from exc
        self._snapshot = None

    def _load(self) -> tuple[list[Mapping[str, Any]], Mapping[str, Any]]:
        """The saved repositories and registry settings (nothing when there is no file yet).
        The file is read like any file regform does not trust: capped, regular files only."""
        if not os.path.lexists(self.path):
            return [], {}
        try:
            raw = read_limited(str(self.path), MAX_STATE_BYTES, what="sandbox state files")
            data = json.loads(raw.decode("utf-8"))
        except FileProblem as exc:
            raise ProviderError(
                f"sandbox state {self.path} cannot be read: {exc}{START_AFRESH}"
            ) from None
        except json.JSONDecodeError as exc:
            raise ProviderError(
                f"sandbox state {self.path}:{exc.lineno}:{exc.colno} is not JSON ({exc.msg})"
                f"{START_AFRESH}"
            ) from None
        except (UnicodeDecodeError, RecursionError) as exc:
            reason = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else "nested too deeply"
            raise ProviderError(
                f"sandbox state {self.path} is not JSON ({reason}){START_AFRESH}"
            ) from None
        if not isinstance(data, dict) or data.get("format") != STATE_FORMAT:
            raise ProviderError(
                f"sandbox state {self.path} has an unknown format; delete it to start afresh"
            )
        repos = data.get("repositories") or []
        settings = data.get("settings")
        return (
            [r for r in repos if isinstance(r, dict)],
            settings if isinstance(settings, dict) else {},
        )

    def _replay(self, entry: Mapping[str, Any]) -> None:
        name = str(entry["name"])
        kwargs: dict[str, Any] = {
            "repositoryName": name,
            "imageTagMutability": entry.get("image_tag_mutability", DEFAULT_MUTABILITY),
            "imageScanningConfiguration": {"scanOnPush": bool(entry.get("scan_on_push"))},
        }
        filters = list(entry.get("image_tag_mutability_exclusions") or ())
        if filters:
            kwargs["imageTagMutabilityExclusionFilters"] = exclusion_filters(filters)
        encryption = entry.get("encryption")
        if encryption:
            kwargs["encryptionConfiguration"] = dict(encryption)
        tags = entry.get("tags") or {}
        if tags:
            kwargs["tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._ecr.create_repository(**kwargs)
        if entry.get("lifecycle_policy_text"):
            self._ecr.put_lifecycle_policy(
                repositoryName=name, lifecyclePolicyText=entry["lifecycle_policy_text"]
            )
        if entry.get("repository_policy_text"):
            self._ecr.set_repository_policy(
                repositoryName=name, policyText=entry["repository_policy_text"]
            )
