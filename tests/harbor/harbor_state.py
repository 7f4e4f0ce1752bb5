"""The fake Harbor's state and the behaviour of each operation it serves.

Citations: ``facts:N`` = line N of ``api-facts.md`` beside this file; ``schema:X`` = definition or
operation X of ``swagger.yaml``.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from swagger_check import BASE, Request, Response

PROJECT_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")  # facts:20
ROBOT_PREFIX = "robot$"  # facts:117
BOOL_KEYS = (
    "public",
    "auto_scan",
    "auto_sbom_generation",
    "prevent_vul",
    "enable_content_trust",
    "enable_content_trust_cosign",
    "reuse_sys_cve_allowlist",
)  # facts:26
PROXY_ONLY = ("proxy_speed_kb", "max_upstream_conn", "proxy_cache_local_on_not_found")  # facts:29


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def created(location: str, body: Any = None) -> Response:
    """facts:15: create -> 201, no body (robots excepted), Location: .../<id>."""
    return Response(201, body, {"Location": BASE + location})


def ok(body: Any = None) -> Response:
    return Response(200, body, {})


@dataclass
class Artifact:
    digest: str
    tags: list[str]
    push_time: str
    pull_time: str = "0001-01-01T00:00:00.000Z"
    size: int = 1024
    #: tag -> its own push time, for a tag added later to an existing artifact (schema:Tag)
    tag_pushed: dict[str, str] = field(default_factory=dict)

    def tag(self, name: str) -> dict[str, Any]:
        pushed = self.tag_pushed.get(name, self.push_time)
        return {"name": name, "push_time": pushed, "pull_time": self.pull_time, "immutable": False}


@dataclass
class HarborState:
    projects: dict[int, dict[str, Any]] = field(default_factory=dict)
    quotas: dict[int, dict[str, Any]] = field(default_factory=dict)
    retentions: dict[int, dict[str, Any]] = field(default_factory=dict)
    immutable: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    members: dict[int, dict[int, dict[str, Any]]] = field(default_factory=dict)
    robots: dict[int, dict[str, Any]] = field(default_factory=dict)
    registries: dict[int, dict[str, Any]] = field(default_factory=dict)
    repositories: dict[int, dict[str, list[Artifact]]] = field(default_factory=dict)
    next_id: int = 1
    #: test-side record of every robot secret issued, by stored robot name (in order)
    issued: list[tuple[str, str]] = field(default_factory=list)

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def serve(self, op: str, params: dict[str, Any], request: Request, raw: str) -> Response:
        handler = getattr(self, "op_" + op, None)
        if handler is None:
            raise HttpError(500, "UNKNOWN", f"the fake does not serve {op}")
        result: Response = handler(params, request, raw)
        return result

    # Helpers -------------------------------------------------------------------------------

    def project(self, ref: str, request: Request) -> dict[str, Any]:
        """facts:16: an integer-looking reference is an id unless X-Is-Resource-Name: true."""
        by_id = ref.isdigit() and request.headers.get("x-is-resource-name") != "true"
        for p in self.projects.values():
            if (by_id and p["project_id"] == int(ref)) or (not by_id and p["name"] == ref):
                return p
        raise HttpError(404, "NOT_FOUND", f"project {ref} not found")

    def page(self, items: list[Any], params: dict[str, Any], raw: str) -> Response:
        """facts:10-12: page from 1, page_size at most 100 (the schema enforces it), total in
        X-Total-Count, Link rel="next" with a path-relative URL."""
        page, size = int(params.get("page") or 1), int(params.get("page_size") or 10)
        chunk = items[(page - 1) * size : page * size]
        headers: dict[str, Any] = {"X-Total-Count": len(items)}  # schema: integer header
        links = []
        parts = urlsplit(raw)
        query = dict(parse_qsl(parts.query))
        if page * size < len(items):
            nxt = urlencode({**query, "page": page + 1, "page_size": size})
            links.append(f'<{parts.path}?{nxt}>; rel="next"')
        if page > 1:
            prev = urlencode({**query, "page": page - 1, "page_size": size})
            links.append(f'<{parts.path}?{prev}>; rel="prev"')
        headers["Link"] = " , ".join(links)  # schema: a string header, "" on a single page
        return Response(200, chunk, headers)

    def _metadata_in(self, metadata: dict[str, Any] | None, proxy: bool) -> dict[str, str]:
        out = dict(metadata or {})
        for key in list(out):
            if key in PROXY_ONLY and not proxy:
                del out[key]  # facts:33: proxy-only keys are dropped on normal projects
        return out

    # Projects (schema: createProject, getProject, updateProject, deleteProject) ---------------

    def op_createProject(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        body = params["project"]
        name = body.get("project_name", "")
        if not PROJECT_NAME.match(name) or len(name) > 255:
            raise HttpError(400, "BAD_REQUEST", f"invalid project name {name}")
        if any(p["name"] == name for p in self.projects.values()):
            raise HttpError(409, "CONFLICT", f"project {name} already exists")  # facts:20
        metadata = body.get("metadata") or {}
        if "retention_id" in metadata:
            raise HttpError(400, "BAD_REQUEST", "retention_id cannot be set")  # facts:34
        registry_id = body.get("registry_id")
        if registry_id is not None and registry_id not in self.registries:
            raise HttpError(400, "BAD_REQUEST", f"registry {registry_id} not found")
        pid = self._id()
        meta = self._metadata_in(metadata, registry_id is not None)
        meta.setdefault("public", "false")  # facts:31: public is always present
        self.projects[pid] = {
            "project_id": pid,
            "name": name,
            "owner_name": "admin",
            "owner_id": 1,
            "creation_time": _now(),
            "update_time": _now(),
            "metadata": meta,
            "repo_count": 0,
            **({"registry_id": registry_id} if registry_id is not None else {}),
        }
        # facts:38: the limit given on create (-1 = unlimited; 0 or missing = the default)
        limit = body.get("storage_limit") or -1
        self.quotas[self._id()] = {"ref": pid, "hard": {"storage": limit}}
        if registry_id is not None:  # facts:52: proxy projects get 7 days since last pull
            self._auto_retention(pid)
        return created(f"/projects/{pid}")

    def _auto_retention(self, pid: int) -> None:
        rid = self._id()
        rule = {
            "id": 1, "priority": 1, "disabled": False, "action": "retain",
            "template": "nDaysSinceLastPull", "params": {"nDaysSinceLastPull": 7},
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
            "scope_selectors": {"repository": [
                {"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}
            ]},
        }  # fmt: skip
        self.retentions[rid] = {
            "id": rid,
            "algorithm": "or",
            "rules": [rule],
            "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 0 * * *"}, "references": {}},
            "scope": {"level": "project", "ref": pid},
        }
        self.projects[pid]["metadata"]["retention_id"] = str(rid)

    def op_listProjects(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        items = sorted(self.projects.values(), key=lambda p: p["project_id"])
        if params.get("name"):  # facts:24: name= is a fuzzy match
            items = [p for p in items if params["name"] in p["name"]]
        return self.page([self._shown(p) for p in items], params, raw)

    def _shown(self, p: dict[str, Any]) -> dict[str, Any]:
        """facts:21: GET has no storage limit; repo_count counts repositories."""
        return {**copy.deepcopy(p), "repo_count": len(self.repositories.get(p["project_id"], {}))}

    def op_getProject(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        return ok(self._shown(self.project(params["project_name_or_id"], request)))

    def op_updateProject(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        """facts:22,32: only metadata and cve_allowlist change; metadata PUT merges, never
        removes; storage_limit and registry_id are ignored."""
        p = self.project(params["project_name_or_id"], request)
        body = params["project"]
        metadata = body.get("metadata") or {}
        current = p["metadata"].get("retention_id")
        if "retention_id" in metadata and metadata["retention_id"] != current:
            raise HttpError(400, "BAD_REQUEST", "retention_id cannot change")  # facts:34
        p["metadata"].update(self._metadata_in(metadata, "registry_id" in p))
        if "cve_allowlist" in body:
            p["cve_allowlist"] = body["cve_allowlist"]
        return ok()

    def op_deleteProject(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        pid = p["project_id"]
        if self.repositories.get(pid):  # facts:23: 412 while repo_count > 0
            raise HttpError(412, "PRECONDITION", "the project contains repositories")
        del self.projects[pid]
        # facts:23: it also drops the project's robots and quota
        self.robots = {k: r for k, r in self.robots.items() if r["project_id"] != pid}
        self.quotas = {k: q for k, q in self.quotas.items() if q["ref"] != pid}
        self.immutable.pop(pid, None)
        self.members.pop(pid, None)
        return ok()

    # Quotas (facts:36-38) ------------------------------------------------------------------

    def op_listQuotas(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        ref = params.get("reference_id")
        items = [
            {"id": qid, "ref": {"id": q["ref"]}, "hard": q["hard"], "used": {"storage": 0}}
            for qid, q in sorted(self.quotas.items())
            if ref is None or str(q["ref"]) == str(ref)
        ]
        return self.page(items, params, raw)

    def op_updateQuota(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        quota = self.quotas.get(params["id"])
        if quota is None:
            raise HttpError(404, "NOT_FOUND", "quota not found")
        storage = params["hard"].get("hard", {}).get("storage")
        if not (storage == -1 or (isinstance(storage, int) and 1 <= storage <= 2**50)):
            raise HttpError(400, "BAD_REQUEST", "storage must be -1 or 1..2^50")  # facts:38
        quota["hard"] = {"storage": storage}
        return ok()

    # Retention (facts:49-78; schema: RetentionPolicy) ---------------------------------------

    def _check_rules(self, rules: list[dict[str, Any]]) -> None:
        if len(rules) > 15:
            raise HttpError(400, "BAD_REQUEST", "at most 15 rules")  # facts:75
        seen = set()
        for rule in rules:
            value = (rule.get("params") or {}).get(rule.get("template"), 0)
            if not 0 <= int(value) < 32767:
                raise HttpError(400, "BAD_REQUEST", "param out of range")  # facts:69
            if not rule.get("tag_selectors"):  # prior art: a rule needs a tag selector
                raise HttpError(400, "BAD_REQUEST", "empty selector kind or decoration")
            key = json.dumps({k: v for k, v in rule.items() if k not in ("id", "priority")},
                             sort_keys=True)  # fmt: skip
            if key in seen:
                raise HttpError(409, "CONFLICT", "identical rules")  # facts:77
            seen.add(key)

    def _check_cron(self, policy: dict[str, Any]) -> None:
        cron = ((policy.get("trigger") or {}).get("settings") or {}).get("cron", "")
        fields = cron.split()
        if cron and (len(fields) != 6 or fields[0] != "0"):  # facts:61
            raise HttpError(400, "BAD_REQUEST", f"invalid cron {cron!r}")

    def op_createRetention(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        policy = params["policy"]
        pid = (policy.get("scope") or {}).get("ref")
        p = self.projects.get(pid)
        if p is None:
            raise HttpError(400, "BAD_REQUEST", "project not found")
        if "retention_id" in p["metadata"]:  # facts:51
            raise HttpError(400, "BAD_REQUEST", "project already has retention policy")
        self._check_rules(policy.get("rules") or [])
        self._check_cron(policy)
        rid = self._id()
        self.retentions[rid] = {**copy.deepcopy(policy), "id": rid}
        p["metadata"]["retention_id"] = str(rid)  # facts:50
        return created(f"/retentions/{rid}")

    def op_getRetention(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        found = self.retentions.get(params["id"])
        if found is None:
            raise HttpError(404, "NOT_FOUND", "retention policy not found")
        return ok(copy.deepcopy(found))

    def op_updateRetention(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        if params["id"] not in self.retentions:
            raise HttpError(404, "NOT_FOUND", "retention policy not found")
        policy = params["policy"]  # facts:17: a PUT body is the whole object
        self._check_rules(policy.get("rules") or [])
        self._check_cron(policy)
        self.retentions[params["id"]] = {**copy.deepcopy(policy), "id": params["id"]}
        return ok()

    def op_deleteRetention(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        policy = self.retentions.pop(params["id"], None)
        if policy is None:
            raise HttpError(404, "NOT_FOUND", "retention policy not found")
        p = self.projects.get(policy["scope"]["ref"])
        if p is not None:
            p["metadata"].pop("retention_id", None)  # facts:78
        return ok()

    # Immutable rules (facts:85-90) --------------------------------------------------------------

    def op_ListImmuRules(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        rules = self.immutable.get(p["project_id"], {})
        return self.page([copy.deepcopy(r) for _, r in sorted(rules.items())], params, raw)

    def _immutable_key(self, rule: dict[str, Any]) -> str:
        return json.dumps(
            {k: v for k, v in rule.items() if k not in ("id", "priority")}, sort_keys=True
        )

    def op_CreateImmuRule(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        rule = params["ImmutableRule"]
        rules = self.immutable.setdefault(p["project_id"], {})
        if any(self._immutable_key(r) == self._immutable_key(rule) for r in rules.values()):
            raise HttpError(409, "CONFLICT", "duplicate immutable rule")  # facts:90
        rid = self._id()
        rules[rid] = {**copy.deepcopy(rule), "id": rid}
        return created(f"/projects/{p['project_id']}/immutabletagrules/{rid}")

    def op_UpdateImmuRule(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        rules = self.immutable.get(p["project_id"], {})
        rid, rule = params["immutable_rule_id"], params["ImmutableRule"]
        if rule.get("id") != rid:  # facts:89
            raise HttpError(400, "BAD_REQUEST", "the body id must equal the path id")
        if rid not in rules:
            raise HttpError(404, "NOT_FOUND", "rule not found")
        rules[rid] = copy.deepcopy(rule)
        return ok()

    def op_DeleteImmuRule(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        if self.immutable.get(p["project_id"], {}).pop(params["immutable_rule_id"], None) is None:
            raise HttpError(404, "NOT_FOUND", "rule not found")
        return ok()

    # Members (facts:92-100) -------------------------------------------------------------------

    def op_listProjectMembers(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name_or_id"], request)
        members = self.members.get(p["project_id"], {})
        return self.page([copy.deepcopy(m) for _, m in sorted(members.items())], params, raw)

    def op_createProjectMember(
        self, params: dict[str, Any], request: Request, raw: str
    ) -> Response:
        p = self.project(params["project_name_or_id"], request)
        body = params["project_member"]
        if body.get("member_user"):
            name, kind = body["member_user"].get("username"), "u"
        else:
            name, kind = (body.get("member_group") or {}).get("group_name"), "g"
        if not name:
            raise HttpError(400, "BAD_REQUEST", "member user or group required")
        members = self.members.setdefault(p["project_id"], {})
        if any(m["entity_name"] == name and m["entity_type"] == kind for m in members.values()):
            raise HttpError(409, "CONFLICT", "the member already exists")  # facts:97
        mid = self._id()
        members[mid] = {
            "id": mid, "project_id": p["project_id"], "entity_name": name,
            "entity_type": kind, "role_id": body["role_id"], "entity_id": mid,
        }  # fmt: skip
        return created(f"/projects/{p['project_id']}/members/{mid}")

    def op_updateProjectMember(
        self, params: dict[str, Any], request: Request, raw: str
    ) -> Response:
        p = self.project(params["project_name_or_id"], request)
        member = self.members.get(p["project_id"], {}).get(params["mid"])
        if member is None:
            raise HttpError(404, "NOT_FOUND", "member not found")
        member["role_id"] = params["role"]["role_id"]  # facts:99
        return ok()

    def op_deleteProjectMember(
        self, params: dict[str, Any], request: Request, raw: str
    ) -> Response:
        p = self.project(params["project_name_or_id"], request)
        if self.members.get(p["project_id"], {}).pop(params["mid"], None) is None:
            raise HttpError(404, "NOT_FOUND", "member not found")
        return ok()

    # Robots (facts:102-121) ---------------------------------------------------------------------

    def op_CreateRobot(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        body = params["robot"]
        name = body.get("name", "")
        if not PROJECT_NAME.match(name):  # facts:116
            raise HttpError(400, "BAD_REQUEST", f"invalid robot name {name}")
        perms = body.get("permissions") or []
        if body.get("level") == "project":
            if len(perms) != 1:  # facts:119
                raise HttpError(400, "BAD_REQUEST", "a project robot has one permission")
            project = next(
                (p for p in self.projects.values() if p["name"] == perms[0]["namespace"]), None
            )
            if project is None:
                raise HttpError(400, "BAD_REQUEST", f"project {perms[0]['namespace']} not found")
            stored = f"{ROBOT_PREFIX}{project['name']}+{name}"  # facts:117
            pid = project["project_id"]
        else:
            stored, pid = ROBOT_PREFIX + name, 0
        if any(r["name"] == stored for r in self.robots.values()):
            raise HttpError(409, "CONFLICT", f"robot {stored} already exists")  # facts:118
        rid = self._id()
        duration = body.get("duration", 30)
        expires = -1 if duration == -1 else int(datetime.now(UTC).timestamp()) + duration * 86400
        permissions = [
            {**perm, "access": [{"effect": "allow", **a} for a in perm.get("access") or []]}
            for perm in perms
        ]  # facts:120: GET fills in effect allow
        self.robots[rid] = {
            "id": rid, "name": stored, "description": body.get("description", ""),
            "level": body.get("level"), "duration": duration, "editable": True,
            "disable": False, "expires_at": expires, "permissions": permissions,
            "creation_time": _now(), "project_id": pid,
        }  # fmt: skip
        secret = secrets.token_urlsafe(24)  # facts:112-113: shown only here; secret sent is ignored
        self.issued.append((stored, secret))
        body_out = {"id": rid, "name": stored, "secret": secret, "expires_at": expires,
                    "creation_time": _now()}  # fmt: skip
        return created(f"/robots/{rid}", body_out)

    def _robot_out(self, robot: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in robot.items() if k != "project_id"}

    def op_ListRobot(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        query = dict(
            part.split("=", 1) for part in (params.get("q") or "").split(",") if "=" in part
        )
        items = [
            r
            for _, r in sorted(self.robots.items())
            if (query.get("Level") or "system") == r["level"]  # facts:121: no q = system robots
            and ("ProjectID" not in query or str(r["project_id"]) == query["ProjectID"])
        ]
        return self.page([self._robot_out(r) for r in items], params, raw)

    def op_GetRobotByID(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        robot = self.robots.get(params["robot_id"])
        if robot is None:
            raise HttpError(404, "NOT_FOUND", "robot not found")
        return ok(self._robot_out(robot))  # facts:112: the secret is never returned again

    def op_UpdateRobot(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        robot = self.robots.get(params["robot_id"])
        if robot is None:
            raise HttpError(404, "NOT_FOUND", "robot not found")
        body = params["robot"]
        if body.get("name") != robot["name"] or body.get("level") != robot["level"]:
            raise HttpError(400, "BAD_REQUEST", "name and level cannot change")  # facts:120
        for key in ("description", "duration", "disable"):
            if key in body:
                robot[key] = body[key]
        robot["permissions"] = [
            {**perm, "access": [{"effect": "allow", **a} for a in perm.get("access") or []]}
            for perm in body.get("permissions") or []
        ]
        return ok()

    def op_DeleteRobot(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        if self.robots.pop(params["robot_id"], None) is None:
            raise HttpError(404, "NOT_FOUND", "robot not found")
        return ok()

    # Registry endpoints (facts:123-134) --------------------------------------------------------

    def op_createRegistry(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        body = params["registry"]
        if any(r["name"] == body.get("name") for r in self.registries.values()):
            raise HttpError(409, "CONFLICT", "registry name taken")  # facts:126
        rid = self._id()
        self.registries[rid] = {**copy.deepcopy(body), "id": rid, "status": "healthy"}
        return created(f"/registries/{rid}")

    def op_listRegistries(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        items = []
        for _, r in sorted(self.registries.items()):
            shown = copy.deepcopy(r)
            if "credential" in shown:  # facts:130: GET masks the secret
                shown["credential"]["access_secret"] = "*****"
            items.append(shown)
        return self.page(items, params, raw)

    # Repositories and artifacts (facts:40-47) -----------------------------------------------

    def push(self, project: str, repository: str, artifact: Artifact) -> None:
        """Test setup: an artifact arrives (as a docker push would put it)."""
        p = next(p for p in self.projects.values() if p["name"] == project)
        self.repositories.setdefault(p["project_id"], {}).setdefault(repository, []).append(
            artifact
        )

    def op_listRepositories(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name"], Request({}, {}, {"x-is-resource-name": "true"}))
        repos = self.repositories.get(p["project_id"], {})
        items = [
            {
                "id": i + 1,
                "project_id": p["project_id"],
                "name": f"{p['name']}/{name}",
                "artifact_count": len(arts),
            }  # fmt: skip
            for i, (name, arts) in enumerate(sorted(repos.items()))
        ]
        return self.page(items, params, raw)

    def op_listArtifacts(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name"], Request({}, {}, {"x-is-resource-name": "true"}))
        name = unquote(params["repository_name"])  # facts:16: '/' is encoded twice
        arts = self.repositories.get(p["project_id"], {}).get(name)
        if arts is None:
            raise HttpError(404, "NOT_FOUND", f"repository {name} not found")
        items = [
            {
                "digest": a.digest,
                "size": a.size,
                "push_time": a.push_time,
                "pull_time": a.pull_time,
                "type": "IMAGE",
                "tags": [a.tag(t) for t in a.tags],
            }  # fmt: skip
            for a in arts
        ]
        return self.page(items, params, raw)

    def op_deleteRepository(self, params: dict[str, Any], request: Request, raw: str) -> Response:
        p = self.project(params["project_name"], Request({}, {}, {"x-is-resource-name": "true"}))
        name = unquote(params["repository_name"])
        if self.repositories.get(p["project_id"], {}).pop(name, None) is None:
            raise HttpError(404, "NOT_FOUND", f"repository {name} not found")
        if not self.repositories[p["project_id"]]:
            del self.repositories[p["project_id"]]
        return ok()
