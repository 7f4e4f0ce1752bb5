"""Reads of a sandbox registry answered from its saved state, without starting the emulator.

Starting moto's emulator and replaying a saved registry into it costs a few milliseconds per
repository, so a ``regform plan`` of a 500-repository sandbox would spend most of its time
rebuilding what the state file already says. Until something needs the emulator (a write, or a
read this module does not answer), the sandbox answers the reads a plan, a drift report or an
import makes from the saved state, with the bodies moto's emulator gives for the same state
(tests compare the two operation by operation): DescribeRepositories (all, or by name),
ListTagsForResource, GetLifecyclePolicy, GetRepositoryPolicy, DescribeImages (images are not
kept), GetRegistryPolicy, GetRegistryScanningConfiguration and DescribeRegistry.

:meth:`Snapshot.answer` returns None for anything else; the sandbox then starts the emulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from regform.model import DEFAULT_MUTABILITY, JsonDict
from regform.providers.ecr.mapping import exclusion_filters, tags_to_api

#: an answer: HTTP status and JSON body.
Answer = tuple[int, JsonDict]


class Snapshot:
    """The saved state of one sandbox registry, answering reads (see the module docstring)."""

    def __init__(
        self,
        entries: list[Mapping[str, Any]],
        settings: Mapping[str, Any],
        *,
        account_id: str,
        region: str,
        created_at: float,
    ) -> None:
        self.account_id = account_id
        self.region = region
        self._repos = {str(e["name"]): e for e in entries}
        self._settings = settings
        self._created_at = created_at
        self._arn_prefix = f"arn:aws:ecr:{region}:{account_id}:repository/"

    def answer(self, op: str, params: Mapping[str, Any]) -> Answer | None:
        registry_id = params.get("registryId")
        if registry_id is not None and registry_id != self.account_id:
            return None
        handler = getattr(self, f"_{op}", None)
        return handler(params) if handler is not None else None

    # Repositories ------------------------------------------------------------------------

    def _DescribeRepositories(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        names = params.get("repositoryNames")
        if names is None:
            if params.get("nextToken") or len(self._repos) > int(params.get("maxResults", 1000)):
                return None  # paging: the emulator's own
            return 200, {"repositories": [self._describe(e) for e in self._repos.values()]}
        for name in names:
            if name not in self._repos:
                return self._repository_not_found(name)
        wanted = set(names)  # answered in the registry's order, as the emulator does
        found = [self._describe(e) for n, e in self._repos.items() if n in wanted]
        return 200, {"repositories": found}

    def _ListTagsForResource(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        arn = str(params.get("resourceArn", ""))
        if not arn.startswith(self._arn_prefix):
            return None
        name = arn[len(self._arn_prefix) :]
        entry = self._repos.get(name)
        if entry is None:
            return self._repository_not_found(name)
        return 200, {"tags": tags_to_api(entry.get("tags") or {})}

    def _GetLifecyclePolicy(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        name = str(params.get("repositoryName", ""))
        entry = self._repos.get(name)
        if entry is None:
            return self._repository_not_found(name)
        text = entry.get("lifecycle_policy_text")
        if not text:
            return self._error(
                "LifecyclePolicyNotFoundException",
                "Lifecycle policy does not exist for the repository with name "
                f"'{name}' in the registry with id '{self.account_id}'",
            )
        return 200, {
            "registryId": self.account_id,
            "repositoryName": name,
            "lifecyclePolicyText": text,
            "lastEvaluatedAt": int(self._created(entry)),
        }

    def _GetRepositoryPolicy(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        name = str(params.get("repositoryName", ""))
        entry = self._repos.get(name)
        if entry is None:
            return self._repository_not_found(name)
        text = entry.get("repository_policy_text")
        if not text:
            return self._error(
                "RepositoryPolicyNotFoundException",
                "Repository policy does not exist for the repository with name "
                f"'{name}' in the registry with id '{self.account_id}'",
            )
        return 200, {"registryId": self.account_id, "repositoryName": name, "policyText": text}

    def _DescribeImages(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        name = str(params.get("repositoryName", ""))
        if name not in self._repos:
            return self._repository_not_found(name)
        if params.get("imageIds"):
            return None
        return 200, {"imageDetails": []}

    # Registry settings -------------------------------------------------------------------

    def _GetRegistryPolicy(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        text = self._settings.get("registry_policy_text")
        if not text:
            return self._error(
                "RegistryPolicyNotFoundException",
                f"Registry policy does not exist in the registry with id '{self.account_id}'",
            )
        return 200, {"registryId": self.account_id, "policyText": text}

    def _GetRegistryScanningConfiguration(  # noqa: N802
        self, params: Mapping[str, Any]
    ) -> Answer | None:
        scanning = self._settings.get("scanning") or {"scanType": "BASIC", "rules": []}
        return 200, {"registryId": self.account_id, "scanningConfiguration": dict(scanning)}

    def _DescribeRegistry(self, params: Mapping[str, Any]) -> Answer | None:  # noqa: N802
        replication = self._settings.get("replication") or {"rules": []}
        return 200, {"registryId": self.account_id, "replicationConfiguration": dict(replication)}

    # Pieces ------------------------------------------------------------------------------

    def _created(self, entry: Mapping[str, Any]) -> float:
        created = entry.get("created_at")
        return float(created) if isinstance(created, int | float) else self._created_at

    def _describe(self, entry: Mapping[str, Any]) -> JsonDict:
        name = str(entry["name"])
        item: JsonDict = {
            "repositoryArn": self._arn_prefix + name,
            "registryId": self.account_id,
            "repositoryName": name,
            "repositoryUri": f"{self.account_id}.dkr.ecr.{self.region}.amazonaws.com/{name}",
            "createdAt": self._created(entry),
            "imageTagMutability": entry.get("image_tag_mutability", DEFAULT_MUTABILITY),
        }
        exclusions = entry.get("image_tag_mutability_exclusions") or []
        if exclusions:
            item["imageTagMutabilityExclusionFilters"] = exclusion_filters(list(exclusions))
        item["imageScanningConfiguration"] = {"scanOnPush": bool(entry.get("scan_on_push"))}
        item["encryptionConfiguration"] = dict(
            entry.get("encryption") or {"encryptionType": "AES256"}
        )
        return item

    def _repository_not_found(self, name: str) -> Answer:
        return self._error(
            "RepositoryNotFoundException",
            f"The repository with name '{name}' does not exist in the registry with id "
            f"'{self.account_id}'",
        )

    @staticmethod
    def _error(code: str, message: str) -> Answer:
        return 400, {"__type": code, "message": message, "Message": message}
