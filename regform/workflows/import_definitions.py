"""The named definitions an import writes: each distinct lifecycle policy and repository policy
found becomes one definition the repositories reference by name. A document equal to one of the
config's definitions keeps that definition's name and form; a new one shared by several
repositories is named ``lifecycle-1``, ``policy-1``..., one used by a single repository after it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from regform import lifecycle
from regform import model as m
from regform.documents import policy
from regform.documents.normalize import canonical_json, normalize_iam_policy
from regform.model import JsonDict, Repository

_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def definition_name(repository: str) -> str:
    """A definition name (1-64 of letters, digits, . _ -) made from a repository name."""
    name = _NAME_CHARS.sub("-", repository).strip("-._")[:64].rstrip("-._")
    return name or "imported"


def _group(
    repos: Sequence[Repository], get: Callable[[Repository], Any], normal: Callable[[Any], Any]
) -> dict[str, list[str]]:
    """Canonical text of each distinct document -> repositories holding it."""
    groups: dict[str, list[str]] = {}
    for repo in repos:
        doc = get(repo)
        if doc is not None:
            groups.setdefault(canonical_json(normal(doc)), []).append(repo.name)
    return groups


def _unique(base: str, used: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... (at most 64 characters): one not in ``used``."""
    name, i = base, 2
    while name in used:
        suffix = f"-{i}"
        name, i = base[: 64 - len(suffix)] + suffix, i + 1
    used.add(name)
    return name


def _name_definitions(
    groups: Mapping[str, list[str]], shared: str, known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Canonical text -> definition name: the config's own name (``known``, canonical text ->
    name) when it has one, else shared ones numbered by how many use them, others named after
    their repository."""
    known = known or {}
    names = {key: known[key] for key in groups if key in known}
    used = set(known.values())
    ordered = sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[1][0]))
    n = 0
    for key, _repos in ordered:
        if len(_repos) > 1 and key not in names:
            n += 1
            names[key] = _unique(f"{shared}-{n}", used)
    for key, repos in ordered:
        if key not in names:
            names[key] = _unique(definition_name(repos[0]), used)
    return names


def _known(definitions: Mapping[str, m.Definition], normal: Callable[[Any], Any]) -> dict[str, str]:
    """Canonical text of each definition's document -> its name (the first name, when two
    definitions are the same document)."""
    known: dict[str, str] = {}
    for name in sorted(definitions):
        known.setdefault(canonical_json(normal(definitions[name].document)), name)
    return known


def lifecycle_definition(doc: JsonDict) -> Any:
    """Readable rules when the document maps to them, else ``{ecr_json: doc}``."""
    readable = lifecycle.decompile(doc)
    return readable if readable is not None else {"ecr_json": doc}


_SHORTHAND = {policy.PULL_SID: "allow_pull", policy.PUSH_SID: "allow_push"}


def _principals(principal: Any) -> list[str] | None:
    if principal == "*":
        return ["*"]
    if not isinstance(principal, Mapping) or not set(principal) <= {"AWS", "Service"}:
        return None
    out: list[str] = []
    for kind in ("AWS", "Service"):
        values = principal.get(kind, [])
        for v in values if isinstance(values, list) else [values]:
            root = re.match(r"^arn:aws:iam::(\d{12}):root$", str(v))
            out.append(root.group(1) if root and kind == "AWS" else str(v))
    return out


def policy_definition(doc: JsonDict) -> JsonDict:
    """The shorthand when it compiles to exactly ``doc`` (statement ids included), else
    ``{document: doc}``."""
    statements = doc.get("Statement")
    if set(doc) != {"Version", "Statement"} or not isinstance(statements, list):
        return {"document": doc}
    spec: JsonDict = {}
    rest = list(statements)
    while rest and isinstance(rest[0], Mapping) and rest[0].get("Sid") in _SHORTHAND:
        key = _SHORTHAND[rest[0]["Sid"]]
        principals = _principals(rest[0].get("Principal"))
        if key in spec or principals is None or any(map(policy.principal_problem, principals)):
            break
        spec[key] = principals
        rest.pop(0)
    if not spec:
        return {"document": doc}
    if rest:
        spec["statements"] = rest
    compiled = policy.compile_policy(spec)
    same = canonical_json(normalize_iam_policy(compiled, keep_sid=True)) == canonical_json(
        normalize_iam_policy(doc, keep_sid=True)
    )
    return spec if same and compiled["Version"] == doc["Version"] else {"document": doc}


Naming = tuple[str, Mapping[str, m.Definition], Callable[[JsonDict], Any]]


def definitions(
    repos: Sequence[Repository],
    get: Callable[[Repository], JsonDict | None],
    normal: Callable[[Any], Any],
    naming: Naming,
) -> tuple[dict[str, str], dict[str, JsonDict], JsonDict]:
    """The definitions of one kind the repositories use: (canonical text -> name, the documents
    of the new ones by name, every definition as written by name). ``naming`` is the prefix of
    shared names, the config's definitions (kept as the config writes them) and how a new one
    is written."""
    shared, config, written = naming
    names = _name_definitions(_group(repos, get, normal), shared, _known(config, normal))
    found: dict[str, JsonDict] = {}
    for repo in reversed(repos):
        doc = get(repo)
        if doc is not None:
            found[names[canonical_json(normal(doc))]] = doc
    new = {n: doc for n, doc in found.items() if n not in config}
    section = {n: config[n].source if n in config else written(found[n]) for n in sorted(found)}
    return names, new, section
