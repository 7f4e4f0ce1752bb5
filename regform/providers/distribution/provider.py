"""Provider for OCI distribution registries (CNCF Distribution, ``registry:2``) over ``/v2/``.

Such a registry stores no settings: repositories appear on first push, and there is no lifecycle
policy to read or set. regform enforces the declared lifecycle itself
(:mod:`regform.planning.retention`): ``list_images`` reads what is there, and ``apply`` carries out
an image-deletion change by deleting manifests by digest. The registry must run with
``storage.delete.enabled: true``; blob storage is reclaimed by its own garbage collector (``registry
garbage-collect``).

Connection keys (``RegistryConfig.connection``)::

    url: https://registry.example.com     # required; http:// only with allow_http: true
    credentials: {username_env: REG_USER, password_env: REG_PASSWORD}   # or
    credentials: {docker_config: default}                               # or a path
    ca_cert: /etc/ssl/private-ca.pem      # trust this CA bundle
    insecure: true                        # skip TLS verification (warned about on every run)
    allow_http: true                      # permit plain http://
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from regform.errors import ProviderError, StalePlanError
from regform.model import UNDATED, Capabilities, Image, RegistryConfig, Repository
from regform.plan import IMAGES, Action, Change, planned_deletions
from regform.providers.base import Provider
from regform.providers.distribution.auth import resolve_credentials
from regform.providers.distribution.http import RegistryClient
from regform.providers.distribution.kind import CAPABILITIES
from regform.providers.distribution.manifests import (
    IMAGE_CONFIG_TYPES,
    INDEX_TYPES,
    MANIFEST_ACCEPT,
    MAX_CONFIG_BYTES,
    Manifest,
    config_created,
    parse_manifest,
    sha256_digest,
)

log = logging.getLogger(__name__)

INSECURE_WARNING = (
    "registry %s: TLS certificate verification is OFF (insecure: true); anyone on the network "
    "path can impersonate %s and read its credentials. Set ca_cert instead."
)


def _pull(name: str) -> str:
    return f"repository:{name}:pull"


class DistributionProvider(Provider):
    """Reads and deletes images in one distribution registry."""

    capabilities: Capabilities = CAPABILITIES

    def __init__(
        self,
        registry: str,
        client: RegistryClient,
        *,
        workers: int = 8,
        repository_workers: int = 4,
        page_size: int = 100,
    ) -> None:
        self.registry = registry
        self.client = client
        self.workers = workers
        self.repository_workers = repository_workers
        self.page_size = page_size
        self._repositories: dict[str, Repository] | None = None
        self._created: dict[str, datetime | None] = {}  # config digest -> created (immutable)

    @classmethod
    def from_config(
        cls, reg: RegistryConfig, *, sandbox: bool = False, parallelism: int | None = None
    ) -> DistributionProvider:
        conn: Mapping[str, Any] = reg.connection
        where = f"registry {reg.name}"
        if sandbox:
            raise ProviderError(
                f"{where}: there is no sandbox for distribution registries; leave it out "
                "with --registry (naming the ECR registries to sandbox)"
            )
        url = conn.get("url")
        if not isinstance(url, str) or not url:
            raise ProviderError(f"{where}: 'url' is required for a distribution registry")
        ca_cert, insecure = conn.get("ca_cert"), bool(conn.get("insecure", False))
        if ca_cert and insecure:
            raise ProviderError(f"{where}: set either ca_cert or insecure, not both")
        verify: bool | str = True
        if ca_cert:
            path = Path(str(ca_cert)).expanduser()
            if not path.is_file():
                raise ProviderError(f"{where}: ca_cert {path} does not exist")
            verify = str(path)
        elif insecure:
            verify = False
            log.warning(INSECURE_WARNING, reg.name, url)
            import urllib3

            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        credentials = resolve_credentials(conn.get("credentials"), url, registry=reg.name)
        client = RegistryClient(
            url,
            registry=reg.name,
            credentials=credentials,
            verify=verify,
            allow_http=bool(conn.get("allow_http", False)),
        )
        if parallelism:
            return cls(reg.name, client, workers=max(1, parallelism))
        return cls(reg.name, client)

    # Provider protocol ----------------------------------------------------------------------

    def check_identity(self) -> None:
        """The registry answers ``/v2/`` with these credentials (no account to compare)."""
        self.client.request("GET", "", op="Ping")

    def identity(self) -> dict[str, str]:
        blank = dict.fromkeys(("account", "region"), "")
        return {**blank, "provider": "distribution", "endpoint": self.client.url}

    def api_calls(self) -> dict[str, int]:
        return self.client.calls()

    def close(self) -> None:
        self.client.close()

    def list_repositories(self) -> dict[str, Repository]:
        names = self.client.paginate(
            "_catalog",
            op="GetCatalog",
            key="repositories",
            scope="registry:catalog:*",
            page_size=self.page_size,
        )
        self._repositories = {n: Repository(name=n) for n in sorted(set(names))}
        return dict(self._repositories)

    def read_details(self, wanted: Mapping[str, frozenset[str]]) -> dict[str, Repository]:
        """Nothing is stored per repository: existing names come back with nothing loaded
        (the lifecycle is enforced through images, see :mod:`regform.planning.retention`)."""
        repos = self._repositories if self._repositories is not None else self.list_repositories()
        return {n: repos[n] for n in wanted if n in repos}

    def read_settings(self, kinds: frozenset[str]) -> dict[str, Any]:
        return {}

    def apply(self, change: Change) -> tuple[str, ...]:
        if change.kind != IMAGES or change.action is not Action.DELETE:
            raise ProviderError(
                f"{change.address}: a distribution registry cannot {change.action.value} "
                f"{change.kind}; regform only deletes images there"
            )
        try:
            planned = planned_deletions(change)
        except ValueError as exc:
            raise ProviderError(str(exc)) from None
        self._check_unchanged(change, planned_tags={p.digest: p.tags for p in planned})
        for p in planned:
            self._delete_manifest(change.name, p.digest)
        return (f"{len(planned)} images deleted",)

    def list_images(self, repository: str) -> list[Image]:
        """Every manifest reachable from a tag (and from the indexes they name)."""
        tags = self._tags(repository)
        with ThreadPoolExecutor(self.workers, thread_name_prefix="regform-dist") as pool:
            manifests: dict[str, Manifest] = {}
            tags_of: dict[str, list[str]] = {}
            for tag, found in zip(
                tags, pool.map(lambda t: self._manifest(repository, t), tags), strict=True
            ):
                if found is not None:  # None: the tag went away while listing
                    manifests.setdefault(found.digest, found)
                    tags_of.setdefault(found.digest, []).append(tag)
            self._add_children(repository, manifests, pool)
            configs = sorted(
                m.config_digest
                for m in manifests.values()
                if m.config_digest and m.config_media_type in IMAGE_CONFIG_TYPES
            )
            for digest, created in zip(
                configs,
                pool.map(lambda d: self._config_created(repository, d), configs),
                strict=True,
            ):
                self._created[digest] = created
        return _images(manifests, tags_of, self._created)

    # Extra API for the workflow ------------------------------------------------------------

    def list_images_many(self, repositories: Iterable[str]) -> dict[str, list[Image]]:
        """``list_images`` for several repositories, read concurrently (a bounded pool)."""
        names = list(dict.fromkeys(repositories))
        with ThreadPoolExecutor(self.repository_workers, thread_name_prefix="regform-repo") as pool:
            return dict(zip(names, pool.map(self.list_images, names), strict=True))

    # Reads ----------------------------------------------------------------------------------

    def _tags(self, repository: str) -> list[str]:
        return list(
            self.client.paginate(
                f"{repository}/tags/list",
                op="ListTags",
                key="tags",
                scope=_pull(repository),
                page_size=self.page_size,
            )
        )

    def _request_manifest(
        self, method: str, op: str, repository: str, reference: str
    ) -> requests.Response:
        """GET or HEAD one manifest in any of the formats regform reads (404 is an answer)."""
        return self.client.request(
            method,
            f"{repository}/manifests/{reference}",
            op=op,
            scope=_pull(repository),
            headers={"Accept": MANIFEST_ACCEPT},
            expect=(200, 404),
        )

    def _manifest(self, repository: str, reference: str) -> Manifest | None:
        resp = self._request_manifest("GET", "GetManifest", repository, reference)
        if resp.status_code == 404:
            return None
        body = resp.content
        computed = sha256_digest(body)
        digest = resp.headers.get("Docker-Content-Digest") or computed
        if reference.startswith("sha256:") and computed != reference:
            raise ProviderError(
                f"registry {self.registry}: manifest {repository}@{reference} does not match "
                "its digest"
            )
        return parse_manifest(body, resp.headers.get("Content-Type"), digest)

    def _add_children(
        self, repository: str, manifests: dict[str, Manifest], pool: ThreadPoolExecutor
    ) -> None:
        """Fetch the manifests indexes reference (and theirs), by digest."""
        missing: set[str] = set()
        while True:
            wanted = sorted(
                {c for m in manifests.values() for c in m.children} - manifests.keys() - missing
            )
            if not wanted:
                return
            for digest, found in zip(
                wanted, pool.map(lambda d: self._manifest(repository, d), wanted), strict=True
            ):
                if found is None:
                    missing.add(digest)  # an index naming a manifest the registry lacks
                else:
                    manifests[digest] = found

    def _config_created(self, repository: str, digest: str) -> datetime | None:
        if digest in self._created:
            return self._created[digest]
        resp = self.client.request(
            "GET",
            f"{repository}/blobs/{digest}",
            op="GetBlob",
            scope=_pull(repository),
            expect=(200, 404),
            stream=True,
        )
        with resp:
            if resp.status_code == 404:
                return None
            body = resp.raw.read(MAX_CONFIG_BYTES + 1, decode_content=True)
        if len(body) > MAX_CONFIG_BYTES:
            return None
        return config_created(body)

    # Writes ---------------------------------------------------------------------------------

    def _current_tags(self, repository: str) -> dict[str, tuple[str, str]]:
        """tag -> (digest, media type) as the registry serves them now (HEAD per tag)."""
        tags = self._tags(repository)

        def head(tag: str) -> tuple[str, tuple[str, str] | None]:
            resp = self._request_manifest("HEAD", "HeadManifest", repository, tag)
            digest = resp.headers.get("Docker-Content-Digest")
            if resp.status_code == 404 or not digest:
                return tag, None
            return tag, (digest, resp.headers.get("Content-Type", "").split(";")[0].strip())

        with ThreadPoolExecutor(self.workers, thread_name_prefix="regform-dist") as pool:
            return {t: found for t, found in pool.map(head, tags) if found is not None}

    def _check_unchanged(self, change: Change, planned_tags: Mapping[str, frozenset[str]]) -> None:
        """Refuse to delete a manifest that gained a tag, or that a surviving index now
        references, since the plan was made."""
        repository = change.name
        current = self._current_tags(repository)
        problems: list[str] = []
        for tag, (digest, _) in sorted(current.items()):
            if digest in planned_tags and tag not in planned_tags[digest]:
                problems.append(f"{digest} is now tagged {tag}")
        survivors = sorted(
            {d for d, media in current.values() if media in INDEX_TYPES and d not in planned_tags}
        )
        seen: set[str] = set()
        while survivors:
            digest = survivors.pop()
            if digest in seen:
                continue
            seen.add(digest)
            index = self._manifest(repository, digest)
            for child in index.children if index is not None else ():
                if child in planned_tags:
                    problems.append(f"{child} is referenced by {digest}, which stays")
                else:
                    survivors.append(child)
        if problems:
            raise StalePlanError(
                f"{change.address} changed since the plan was made ({'; '.join(problems)}); "
                "nothing was deleted; run plan again"
            )

    def _delete_manifest(self, repository: str, digest: str) -> None:
        resp = self.client.request(
            "DELETE",
            f"{repository}/manifests/{digest}",
            op="DeleteManifest",
            scope=f"repository:{repository}:delete",
            expect=(200, 202, 404, 405),
        )
        with resp:
            if resp.status_code == 405:
                raise ProviderError(
                    f"registry {self.registry} refuses to delete {repository}@{digest} "
                    "(HTTP 405): deletion is disabled on the server; it must run with "
                    "storage.delete.enabled: true"
                )
            if resp.status_code == 404:
                log.info("registry %s: %s@%s was already gone", self.registry, repository, digest)


def _images(
    manifests: Mapping[str, Manifest],
    tags_of: Mapping[str, list[str]],
    created: Mapping[str, datetime | None],
) -> list[Image]:
    """Manifests -> Images, newest first; indexes are dated by their newest child."""
    parents: dict[str, list[str]] = {}
    for m in manifests.values():
        for child in m.children:
            if child in manifests:
                parents.setdefault(child, []).append(m.digest)
    times: dict[str, datetime | None] = {}

    def when(digest: str, trail: frozenset[str]) -> datetime | None:
        if digest in times:
            return times[digest]
        m = manifests[digest]
        t = m.annotated_created
        if m.config_digest and created.get(m.config_digest):
            t = created[m.config_digest]
        elif t is None and m.children:
            known = [
                c_time
                for c in m.children
                if c in manifests and c not in trail
                for c_time in (when(c, trail | {digest}),)
                if c_time is not None
            ]
            t = max(known) if known else None
        times[digest] = t
        return t

    images = []
    for digest, m in manifests.items():
        pushed = when(digest, frozenset())
        images.append(
            Image(
                digest=digest,
                tags=tuple(sorted(tags_of.get(digest, ()))),
                pushed_at=pushed or UNDATED,
                referenced_by=tuple(sorted(parents.get(digest, ()))),
                references=tuple(c for c in m.children if c in manifests),
                size_bytes=m.size_bytes,
                media_type=m.media_type,
            )
        )
    images.sort(key=lambda i: (i.pushed_at, i.digest), reverse=True)
    return images
