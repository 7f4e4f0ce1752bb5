"""Provider for Harbor (v2 API): a regform repository of a Harbor registry is a Harbor project.

Reads use the fewest calls the fields need: the project listing gives the metadata fields and the
proxy-cache endpoint; the quota, retention policy, immutable rules, members and robots are read
per project only when declared. Every read looks projects up by exact name; an object deleted by
hand simply reads as missing, and the plan re-creates it.

Connection keys (``RegistryConfig.connection``)::

    url: https://harbor.example.com      # required; http:// only with allow_http: true
    username_env: HARBOR_USER            # a user or a robot account (robot$...)
    password_env: HARBOR_PASSWORD
    ca_cert: /etc/ssl/private-ca.pem     # trust this CA bundle
    insecure: true                       # skip TLS verification (warned about on every run)
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from regform import model as m
from regform.errors import ProviderError
from regform.model import Capabilities, Image, RegistryConfig, Repository
from regform.plan import REPOSITORY, Action, Change
from regform.providers.base import Provider
from regform.providers.distribution.provider import INSECURE_WARNING
from regform.providers.harbor import mapping
from regform.providers.harbor.access import AccessWriter
from regform.providers.harbor.fields import (
    HARBOR_CAPABILITIES,
    IMMUTABLE_RULES,
    MEMBERS,
    METADATA_FIELDS,
    PROXY_CACHE,
    ROBOTS,
    STORAGE_QUOTA,
)
from regform.providers.harbor.http import HarborClient, HarborError, repo_path
from regform.providers.harbor.retention import HarborArtifact
from regform.providers.harbor.secrets import SecretSink

log = logging.getLogger(__name__)
NAME_HEADER = {"X-Is-Resource-Name": "true"}  # api-facts.md "Names vs ids"


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text or text.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _latest(texts: list[Any]) -> datetime | None:
    found = [w for w in map(_when, texts) if w is not None]
    return max(found) if found else None


class HarborProvider(Provider):
    """Reads and writes the projects of one Harbor."""

    capabilities: Capabilities = HARBOR_CAPABILITIES

    def __init__(self, registry: str, client: HarborClient, *, workers: int = 8) -> None:
        self.registry = registry
        self.client = client
        self.workers = workers
        self.secrets = SecretSink()
        self._projects: dict[str, dict[str, Any]] = {}
        self._endpoints: dict[int, str] | None = None

    @classmethod
    def from_config(
        cls, reg: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
    ) -> HarborProvider:
        conn: Mapping[str, Any] = reg.connection
        where = f"registry {reg.name}"
        if sandbox:
            raise ProviderError(f"{where}: there is no sandbox for Harbor registries")
        url = conn.get("url")
        if not isinstance(url, str) or not url:
            raise ProviderError(f"{where}: 'url' is required for a harbor registry")
        verify: bool | str = True
        if conn.get("ca_cert"):
            path = Path(str(conn["ca_cert"])).expanduser()
            if not path.is_file():
                raise ProviderError(f"{where}: ca_cert {path} does not exist")
            verify = str(path)
        elif conn.get("insecure"):
            verify = False
            log.warning(INSECURE_WARNING, reg.name, url)
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        auth = None
        if conn.get("username_env"):
            user, password = (os.environ.get(conn[k]) for k in ("username_env", "password_env"))
            if not user or not password:
                raise ProviderError(
                    f"{where}: set the environment variables {conn['username_env']} and "
                    f"{conn['password_env']}"
                )
            auth = (user, password)
        client = HarborClient(
            url,
            registry=reg.name,
            auth=auth,
            verify=verify,
            allow_http=bool(conn.get("allow_http")),
        )
        return cls(reg.name, client, workers=min(parallelism or 8, 16))

    # Provider protocol ----------------------------------------------------------------------

    def check_identity(self) -> None:
        """The credentials are accepted (there is no account to compare)."""
        self.client.request("GET", "projects", op="ListProjects", params={"page_size": 1})

    def identity(self) -> dict[str, str]:
        blank = dict.fromkeys(("account", "region"), "")
        return {**blank, "provider": "harbor", "endpoint": self.client.base}

    def api_calls(self) -> dict[str, int]:
        return self.client.calls()

    def close(self) -> None:
        self.client.close()

    def list_repositories(self) -> dict[str, Repository]:
        self._projects = {p["name"]: p for p in self.client.pages("projects", op="ListProjects")}
        return {name: self._listed(p) for name, p in sorted(self._projects.items())}

    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        names = [n for n in wanted if self._project(n) is not None]
        with ThreadPoolExecutor(self.workers, thread_name_prefix="regform-harbor") as pool:
            found = list(pool.map(lambda n: self._detailed(n, wanted[n]), names))
        return dict(zip(names, found, strict=True))

    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]:
        return {}

    def list_images(self, repository: str) -> list[Image]:
        """Every artifact of every repository of the project ``repository``."""
        project = repository
        repos = [
            r["name"]
            for r in self.client.pages(f"projects/{project}/repositories", op="ListRepositories")
        ]
        with ThreadPoolExecutor(self.workers, thread_name_prefix="regform-harbor") as pool:
            lists = list(pool.map(lambda r: self._artifacts(project, r), repos))
        images: list[Image] = [a for found in lists for a in found]
        images.sort(key=lambda i: (i.pushed_at, i.digest), reverse=True)
        return images

    def apply(self, change: Change) -> None:
        if change.kind != REPOSITORY:
            raise ProviderError(f"{change.address}: Harbor has no {change.kind}")
        if change.action in (Action.DELETE, Action.REPLACE):
            self._delete(change.name, force=change.force_delete)
        if change.action is Action.DELETE:
            return
        desired = Repository.from_dict(change.after or {"name": change.name})
        before = (change.before or {}).get(ROBOTS) if change.action is Action.UPDATE else None
        for robot in sorted(set(desired.extra.get(ROBOTS) or ()) - set(before or ())):
            self.secrets.require(f"{self.registry}/{change.name} robot {robot}")
        if change.action is Action.UPDATE:
            paths = {f.path.split(".")[0] for f in change.fields}
            self._update(desired, paths)
        else:
            self._create(desired)

    # Reads ----------------------------------------------------------------------------------

    def _project(self, name: str) -> dict[str, Any] | None:
        if name not in self._projects:
            found = self.client.request(
                "GET", f"projects/{name}", op="GetProject", headers=NAME_HEADER, expect=(200, 404)
            )
            if found.status_code == 404:
                return None
            self._projects[name] = found.json()
        return self._projects[name]

    def _load_endpoints(self) -> dict[int, str]:
        """Registry endpoints (proxy-cache upstreams) by id."""
        found = self.client.pages("registries", op="ListRegistries")
        self._endpoints = {int(r["id"]): str(r["name"]) for r in found}
        return self._endpoints

    def _endpoint_name(self, registry_id: int) -> str:
        known = self._endpoints if self._endpoints is not None else self._load_endpoints()
        return known.get(registry_id, f"#{registry_id}")

    def _endpoint_id(self, name: str) -> int:
        for rid, found in self._load_endpoints().items():
            if found == name:
                return rid
        raise ProviderError(f"registry {self.registry}: no registry endpoint named {name!r}")

    def _listed(self, project: Mapping[str, Any]) -> Repository:
        extra = mapping.metadata_fields(project.get("metadata") or {})
        scan = extra.pop(m.SCAN_ON_PUSH)
        rid = project.get("registry_id")
        extra[PROXY_CACHE] = {"endpoint": self._endpoint_name(int(rid))} if rid else None
        return Repository(
            name=str(project["name"]),
            scan_on_push=scan,
            extra=extra,
            loaded=METADATA_FIELDS | {PROXY_CACHE},
            info={"project_id": project["project_id"], "image_count": project.get("repo_count")},
        )

    def _detailed(self, name: str, fields: frozenset[str]) -> Repository:
        project = self._project(name) or {}
        pid = int(project["project_id"])
        base = self._listed(project)
        extra = dict(base.extra)
        policy = base.lifecycle_policy
        readers: dict[str, Callable[[], Any]] = {
            STORAGE_QUOTA: lambda: self._quota(pid)[1],
            IMMUTABLE_RULES: lambda: AccessWriter(self.client, name, pid, self.secrets).immutable(),
            MEMBERS: lambda: AccessWriter(self.client, name, pid, self.secrets).members(),
            ROBOTS: lambda: AccessWriter(self.client, name, pid, self.secrets).robots(),
        }
        fields = fields & self.capabilities.fields
        for fld in fields & readers.keys():
            extra[fld] = readers[fld]()
        if m.LIFECYCLE_POLICY in fields:
            policy = self._retention(project)
        return Repository(
            name=name,
            scan_on_push=base.scan_on_push,
            lifecycle_policy=policy,
            extra=extra,
            loaded=base.loaded | fields,
            info=base.info,
        )

    def _quota(self, project_id: int) -> tuple[int, int]:
        """(quota id, hard storage limit); api-facts.md "Quotas"."""
        found = self.client.get(
            "quotas", op="ListQuotas", params={"reference": "project", "reference_id": project_id}
        )
        if not found:
            raise ProviderError(f"registry {self.registry}: project {project_id} has no quota")
        return int(found[0]["id"]), int((found[0].get("hard") or {}).get("storage", -1))

    def _retention(self, project: Mapping[str, Any]) -> dict[str, Any] | None:
        rid = (project.get("metadata") or {}).get("retention_id")
        if not rid:
            return None
        body = self.client.get_or_none(f"retentions/{rid}", op="GetRetention")
        return None if body is None else mapping.retention_from_api(body)

    def _artifacts(self, project: str, repo: str) -> list[HarborArtifact]:
        short = repo.split("/", 1)[1] if repo.startswith(project + "/") else repo
        path = f"projects/{project}/repositories/{repo_path(short)}/artifacts"
        found = self.client.pages(path, op="ListArtifacts", params={"with_tag": "true"})
        return [self._artifact(a, short) for a in found]

    def _artifact(self, a: Mapping[str, Any], short: str) -> HarborArtifact:
        """Times as retention sees them: the latest of the artifact's and its tags' (goharbor/
        harbor ``src/pkg/retention/dep/client.go`` @ 09371b48e85a, api-facts.md)."""
        tags = [t for t in a.get("tags") or () if isinstance(t, Mapping)]
        pushed = _latest([a.get("push_time"), *(t.get("push_time") for t in tags)])
        return HarborArtifact(
            digest=str(a["digest"]),
            tags=tuple(sorted(str(t["name"]) for t in tags)),
            pushed_at=pushed or datetime.fromtimestamp(0, UTC),
            last_pulled_at=_latest([a.get("pull_time"), *(t.get("pull_time") for t in tags)]),
            size_bytes=a.get("size"),
            media_type=a.get("manifest_media_type"),
            repository=short,
        )

    # Writes ---------------------------------------------------------------------------------

    def _create(self, desired: Repository) -> None:
        body: dict[str, Any] = {
            "project_name": desired.name,
            "metadata": mapping.metadata_body(self._values(desired)),
        }
        if STORAGE_QUOTA in desired.managed:
            body["storage_limit"] = desired.extra[STORAGE_QUOTA]
        proxy = desired.extra.get(PROXY_CACHE)
        if PROXY_CACHE in desired.managed and proxy:
            body["registry_id"] = self._endpoint_id(proxy["endpoint"])
        pid = self.client.create("projects", body, op="CreateProject")
        self._projects.pop(desired.name, None)
        rest = desired.managed - METADATA_FIELDS - {PROXY_CACHE}
        self._update(desired, rest, created_id=pid)

    def _values(self, desired: Repository) -> dict[str, Any]:
        return {f: desired.value(f) for f in METADATA_FIELDS & desired.managed}

    def _update(
        self, desired: Repository, paths: set[str] | frozenset[str], created_id: int | None = None
    ) -> None:
        project = self._project(desired.name)
        if project is None:
            raise ProviderError(f"registry {self.registry}: project {desired.name} is gone")
        pid = int(project["project_id"]) if created_id is None else created_id
        values = {f: v for f, v in self._values(desired).items() if f in paths}
        if values:  # api-facts.md: PUT merges metadata; every managed key is sent explicitly
            self.client.request(
                "PUT",
                f"projects/{desired.name}",
                op="UpdateProject",
                body={"metadata": mapping.metadata_body(values)},
                headers=NAME_HEADER,
            )
        if STORAGE_QUOTA in paths:
            qid, hard = self._quota(pid)
            if hard != desired.extra[STORAGE_QUOTA]:
                self.client.request(
                    "PUT",
                    f"quotas/{qid}",
                    op="UpdateQuota",
                    body={"hard": {"storage": desired.extra[STORAGE_QUOTA]}},
                )
        if m.LIFECYCLE_POLICY in paths:
            self._put_retention(project, pid, desired.lifecycle_policy)
        writer = AccessWriter(self.client, desired.name, pid, self.secrets, registry=self.registry)
        for fld, write in (
            (IMMUTABLE_RULES, writer.set_immutable),
            (MEMBERS, writer.set_members),
            (ROBOTS, writer.set_robots),
        ):
            if fld in paths:
                write(desired.extra.get(fld))
        self._projects.pop(desired.name, None)

    def _put_retention(
        self, project: Mapping[str, Any], pid: int, doc: Mapping[str, Any] | None
    ) -> None:
        """One policy per project, named by ``retention_id`` (api-facts.md "Tag retention"):
        PUT it when it exists, POST only when it does not; no policy = PUT with no rules."""
        rid = (project.get("metadata") or {}).get("retention_id")
        if rid and self.client.get_or_none(f"retentions/{rid}", op="GetRetention") is None:
            rid = None
        wanted = doc if doc is not None else {"schedule": "", "rules": []}
        if rid:
            body = mapping.retention_to_api(wanted, pid, int(rid))
            self.client.request("PUT", f"retentions/{rid}", op="UpdateRetention", body=body)
        elif doc is not None:
            self.client.create(
                "retentions", mapping.retention_to_api(wanted, pid, None), op="CreateRetention"
            )

    def _delete(self, name: str, *, force: bool) -> None:
        if force:
            for repo in self.client.pages(f"projects/{name}/repositories", op="ListRepositories"):
                short = str(repo["name"]).split("/", 1)[1]
                self.client.request(
                    "DELETE",
                    f"projects/{name}/repositories/{repo_path(short)}",
                    op="DeleteRepository",
                    expect=(200, 404),
                )
        try:
            self.client.request(
                "DELETE",
                f"projects/{name}",
                op="DeleteProject",
                headers=NAME_HEADER,
                expect=(200, 404),
            )
        except HarborError as exc:
            if exc.status == 412:
                raise ProviderError(
                    f"registry {self.registry}: project {name} still holds repositories; set "
                    "force_delete to delete them with it"
                ) from None
            raise
        self._projects.pop(name, None)
