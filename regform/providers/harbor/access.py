"""Per-project lists: immutable-tag rules, members and robot accounts (read and converge).

Each list is compared as a whole and converged element by element: what is missing is created,
what differs is updated, what is not declared is removed.

* Immutable rules have no name: they are matched by content (api-facts.md "Rules have no
  name"); a changed rule is a removed one plus a new one.
* Members are keyed by user or group name; a role change is ``PUT .../members/{id}``.
* Robots are keyed by their short name (Harbor stores ``<project>+<name>`` and returns it with
  the ``robot$`` prefix). A missing robot is created and its secret, returned only then, goes to
  :class:`~regform.providers.harbor.secrets.SecretSink`; a changed one is updated with the full
  object (GET, change, PUT; api-facts.md "PUT bodies are whole objects"), which never rotates
  its secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from regform.model import JsonDict
from regform.providers.harbor import mapping, rules
from regform.providers.harbor.http import HarborClient
from regform.providers.harbor.secrets import SecretSink


def robot_short_name(full: str, project: str) -> str:
    """``robot$proj+ci`` -> ``ci`` (the prefix is configurable: everything up to ``+``)."""
    marker = f"{project}+"
    return full.split(marker, 1)[1] if marker in full else full


def robot_value(robot: Mapping[str, Any]) -> JsonDict:
    access = {
        f"{a['resource']}:{a['action']}"
        for p in robot.get("permissions") or ()
        for a in p.get("access") or ()
        if a.get("effect", "allow") == "allow"  # api-facts.md: GET fills in effect allow
    }
    return {
        "description": str(robot.get("description") or ""),
        "duration": int(robot.get("duration", -1)),
        "access": sorted(access),
    }


class AccessWriter:
    """Reads and converges the lists of one project."""

    def __init__(
        self,
        client: HarborClient,
        project: str,
        project_id: int,
        secrets: SecretSink,
        *,
        registry: str = "",
    ) -> None:
        self.client = client
        self.project = project
        self.project_id = project_id
        self.secrets = secrets
        self.registry = registry or client.registry

    # Immutable rules ---------------------------------------------------------------------------

    def _immutable_raw(self) -> list[JsonDict]:
        return list(
            self.client.pages(f"projects/{self.project_id}/immutabletagrules", op="ListImmuRules")
        )

    def immutable(self) -> list[JsonDict]:
        return rules.sort_rules(mapping.immutable_from_api(r) for r in self._immutable_raw())

    def set_immutable(self, wanted: list[JsonDict] | None) -> None:
        want = {json.dumps(r, sort_keys=True) for r in wanted or ()}
        have: set[str] = set()
        for raw in self._immutable_raw():
            key = json.dumps(mapping.immutable_from_api(raw), sort_keys=True)
            if key in want and key not in have:
                have.add(key)
                continue
            self.client.request(
                "DELETE",
                f"projects/{self.project_id}/immutabletagrules/{raw['id']}",
                op="DeleteImmuRule",
            )
        for key in sorted(want - have):
            body = mapping.immutable_to_api(json.loads(key))
            self.client.create(
                f"projects/{self.project_id}/immutabletagrules", body, op="CreateImmuRule"
            )

    # Members ----------------------------------------------------------------------------------

    def _members_raw(self) -> list[JsonDict]:
        return list(
            self.client.pages(f"projects/{self.project_id}/members", op="ListProjectMembers")
        )

    def members(self) -> JsonDict:
        out: dict[str, dict[str, str]] = {}
        for raw in self._members_raw():
            kind = "groups" if raw.get("entity_type") == "g" else "users"
            role = mapping.ROLE_NAMES.get(int(raw.get("role_id", 0)), str(raw.get("role_id")))
            out.setdefault(kind, {})[str(raw["entity_name"])] = role
        return {k: dict(sorted(out[k].items())) for k in sorted(out)}

    def set_members(self, wanted: Mapping[str, Mapping[str, str]] | None) -> None:
        want = {(k, n): r for k, names in (wanted or {}).items() for n, r in names.items()}
        found: set[tuple[str, str]] = set()
        base = f"projects/{self.project_id}/members"
        for raw in self._members_raw():
            key = ("groups" if raw.get("entity_type") == "g" else "users", str(raw["entity_name"]))
            found.add(key)
            if key not in want:
                self.client.request("DELETE", f"{base}/{raw['id']}", op="DeleteProjectMember")
            elif mapping.ROLES[want[key]] != int(raw.get("role_id", 0)):
                self.client.request(
                    "PUT",
                    f"{base}/{raw['id']}",
                    op="UpdateProjectMember",
                    body={"role_id": mapping.ROLES[want[key]]},
                )
        for kind, name in sorted(want.keys() - found):
            body: JsonDict = {"role_id": mapping.ROLES[want[(kind, name)]]}
            if kind == "users":
                body["member_user"] = {"username": name}
            else:
                body["member_group"] = {"group_name": name}
            self.client.create(base, body, op="CreateProjectMember")

    # Robots -----------------------------------------------------------------------------------

    def _robots_raw(self) -> list[JsonDict]:
        query = {"q": f"Level=project,ProjectID={self.project_id}"}
        return list(self.client.pages("robots", op="ListRobot", params=query))

    def robots(self) -> JsonDict:
        found = {robot_short_name(str(r["name"]), self.project): r for r in self._robots_raw()}
        return {name: robot_value(found[name]) for name in sorted(found)}

    def _permissions(self, value: Mapping[str, Any]) -> list[JsonDict]:
        access = [
            {"resource": a.split(":", 1)[0], "action": a.split(":", 1)[1], "effect": "allow"}
            for a in value["access"]
        ]
        return [{"kind": "project", "namespace": self.project, "access": access}]

    def set_robots(self, wanted: Mapping[str, Mapping[str, Any]] | None) -> None:
        want = dict(wanted or {})
        found = {robot_short_name(str(r["name"]), self.project): r for r in self._robots_raw()}
        for name in sorted(want.keys() - found.keys()):
            self.secrets.require(f"{self.registry}/{self.project} robot {name}")
        for name, raw in sorted(found.items()):
            if name not in want:
                self.client.request("DELETE", f"robots/{raw['id']}", op="DeleteRobot")
            elif robot_value(raw) != want[name]:
                current = self.client.get(f"robots/{raw['id']}", op="GetRobotByID")
                current.update(
                    description=want[name]["description"],
                    duration=want[name]["duration"],
                    permissions=self._permissions(want[name]),
                )
                current.pop("secret", None)
                self.client.request("PUT", f"robots/{raw['id']}", op="UpdateRobot", body=current)
        for name in sorted(want.keys() - found.keys()):
            body = {
                "name": name,
                "level": "project",
                **want[name],
                "permissions": self._permissions(want[name]),
            }
            body.pop("access")
            created = self.client.request(
                "POST", "robots", op="CreateRobot", body=body, expect=(201,)
            ).json()
            self.secrets.deliver(
                f"{self.registry}/{self.project}/{name}",
                str(created.get("name", name)),
                str(created.get("secret", "")),
                created.get("expires_at"),
            )
