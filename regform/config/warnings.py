"""What a valid config may still get wrong: warnings, which ``validate`` prints and plans carry.

* a policy that grants anyone (``Principal: "*"``, ``allow_pull: ['*']``): the repositories using
  it, or the whole registry, are public;
* a registry's ``credentials`` (or a Harbor registry's ``username_env`` / ``password_env``)
  naming an environment variable that is not set (CI may set it later; ``validate --strict``
  makes it an error);
* an ``ecr:`` action in a policy that names no ECR operation (botocore's service model lists
  them; it is loaded only when a policy names an ``ecr:`` action).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Mapping
from typing import Any

from regform.config.merge import Item, Merged
from regform.config.suggest import did_you_mean
from regform.documents.policy import PUSH_ACTIONS
from regform.errors import ConfigIssue
from regform.plan.warnings import VARIABLE_UNSET

JsonDict = dict[str, Any]


def _grants_anyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any(_grants_anyone(v) for v in principal.values())
    if isinstance(principal, list):
        return any(_grants_anyone(v) for v in principal)
    return False


def public_statements(document: Mapping[str, Any]) -> list[int]:
    """Indexes of the Allow statements of an IAM document that grant anyone."""
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return []
    return [
        i
        for i, s in enumerate(statements)
        if isinstance(s, Mapping)
        and s.get("Effect") == "Allow"
        and _grants_anyone(s.get("Principal"))
    ]


def _users(merged: Merged, name: str) -> int:
    count = 0
    defaults = merged.defaults.get("policy") if merged.defaults else None
    for entry in merged.repositories:
        own = entry.get("policy")
        count += (own if own is not None else defaults) == name
    return count


def public_warnings(
    merged: Merged, policies: Mapping[str, JsonDict], settings: Mapping[str, JsonDict]
) -> list[ConfigIssue]:
    """A loud warning for each policy that makes repositories (or a registry) public."""
    out: list[ConfigIssue] = []
    for name, document in policies.items():
        found = public_statements(document)
        if not found:
            continue
        item = merged.repository_policies[name]
        used = _users(merged, name)
        out.append(
            item.issue(
                (),
                f"PUBLIC: repository policy '{name}' grants anyone (Principal \"*\", statement "
                f"{', '.join(map(str, found))} of the document): the {used} "
                f"repositor{'y' if used == 1 else 'ies'} using it can be read by anyone; "
                "name the accounts or roles instead",
            )
        )
    for name, kinds in settings.items():
        policy_doc = kinds.get("registry_policy")
        if isinstance(policy_doc, Mapping) and public_statements(policy_doc):
            out.append(
                merged.registries[name].issue(
                    ("settings", "registry_policy"),
                    f"PUBLIC: the registry policy of registry '{name}' grants anyone "
                    '(Principal "*")',
                )
            )
    return out


def credential_warnings(merged: Merged, env: Mapping[str, str]) -> list[ConfigIssue]:
    out: list[ConfigIssue] = []
    for name, item in merged.registries.items():
        creds = item.get("credentials")
        # harbor: the registry's own username_env / password_env
        places: list[tuple[tuple[str, ...], Any]] = [
            ((key,), item.get(key)) for key in ("username_env", "password_env")
        ]
        if isinstance(creds, dict):
            places += [
                (("credentials", key), creds.get(key))
                for key in ("username_env", "password_env", "token_env")
            ]
        for path, var in places:
            if isinstance(var, str) and var not in env:
                out.append(_unset(item, name, path, var))
    return out


def _unset(item: Item, registry: str, path: tuple[str, ...], var: str) -> ConfigIssue:
    needs = (
        "login and pull-secret fail"  # credentials only: nothing to plan
        if item.get("provider") == "dockerhub"
        else "plan, apply and drift fail"
    )
    return item.issue(
        path,
        f"environment variable {var} ({path[-1]} of registry '{registry}') is not set: {needs} "
        f"{VARIABLE_UNSET}",
    )


#: ECR actions IAM knows that are not API operations (permissions checked by the service itself)
PERMISSION_ONLY_ACTIONS = frozenset({"ReplicateImage", "BatchImportUpstreamImage"})
_SHORTHAND = frozenset(PUSH_ACTIONS)


#: a statement of a policy document, with its path from the config item that declares it
_Located = tuple[tuple[str | int, ...], Mapping[str, Any]]


def _statements(base: tuple[str | int, ...], document: Mapping[str, Any]) -> Iterator[_Located]:
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        yield (*base, "Statement"), statements
    elif isinstance(statements, list):
        for i, statement in enumerate(statements):
            if isinstance(statement, Mapping):
                yield (*base, "Statement", i), statement


def _policy_statements(item: Item, document: Mapping[str, Any]) -> Iterator[_Located]:
    """The statements of a ``repository_policies`` entry, located where the entry declares them
    (``document.Statement[i]``, or ``statements[i]`` after the shorthand's own)."""
    spec = item.value if isinstance(item.value, Mapping) else {}
    if "document" in spec:
        yield from _statements(("document",), document)
        return
    raw = spec.get("statements") or ()
    located = list(_statements((), document))
    generated = len(located) - len(raw)
    for i, (_path, statement) in enumerate(located[generated:]):
        yield ("statements", i), statement


def _actions(statement: Mapping[str, Any]) -> Iterator[str]:
    for key in ("Action", "NotAction"):
        value = statement.get(key)
        for action in value if isinstance(value, list) else [value]:
            if isinstance(action, str) and action.lower().startswith("ecr:"):
                yield action


def _ecr_operations() -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("ecr")
    return frozenset(model.operation_names) | PERMISSION_ONLY_ACTIONS


def action_warnings(
    merged: Merged, policies: Mapping[str, JsonDict], settings: Mapping[str, JsonDict]
) -> list[ConfigIssue]:
    """A warning for each ``ecr:`` action (or pattern) that names no ECR operation, at the
    statement that holds it (its line; its Sid when it has one)."""
    located: list[tuple[Item, tuple[str | int, ...], Mapping[str, Any]]] = [
        (merged.repository_policies[n], path, statement)
        for n, doc in policies.items()
        for path, statement in _policy_statements(merged.repository_policies[n], doc)
    ]
    located += [
        (merged.registries[n], path, statement)
        for n, kinds in settings.items()
        if isinstance(kinds.get("registry_policy"), Mapping)
        for path, statement in _statements(
            ("settings", "registry_policy"), kinds["registry_policy"]
        )
    ]
    wanted = {a for _item, _path, statement in located for a in _actions(statement)}
    if not wanted - _SHORTHAND:  # the shorthand's own actions need no service model
        return []
    operations = _ecr_operations()
    lowered = {op.lower(): op for op in operations}
    out: list[ConfigIssue] = []
    for item, path, statement in located:
        sid = statement.get("Sid")
        named = f" (statement Sid {sid!r})" if isinstance(sid, str) and sid else ""
        for action in dict.fromkeys(_actions(statement)):
            name = action.split(":", 1)[1]
            if fnmatch.filter(lowered, name.lower()):
                continue
            hint = did_you_mean(name, operations)
            message = f"'{action}' is not an ECR action (no operation matches){hint}{named}"
            out.append(item.issue(path, message))
    return out
