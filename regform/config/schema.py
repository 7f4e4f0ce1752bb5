"""The JSON Schema of the config language, and its errors turned into readable issues."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from regform.config.fastcheck import Check, Unsupported, compile_check
from regform.config.source import DataPath, SourceDoc
from regform.config.suggest import did_you_mean
from regform.errors import EXCERPT_CHARS, ConfigIssue, excerpt
from regform.providers import PROVIDERS
from regform.providers.base import ProviderKind

if TYPE_CHECKING:
    # jsonschema loads only when a document is not proven valid by the fast check: importing
    # it can cost more than checking a whole config (it loads every format checker installed)
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_SECRET = re.compile(r"secret|passw|token|access_key|private_key|api_key|session_key", re.I)
#: the ``provider:`` (or ``provider, other:``) a registry key's description starts with.
_PROVIDER_PREFIX = re.compile(r"^[a-z0-9]+(?:, [a-z0-9]+)*: ")
_JSON_TYPES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def schema_text() -> str:
    """The whole schema (``regform schema`` prints it; ``schemas/regform.schema.json`` is it)."""
    return json.dumps(config_schema(), indent=2) + "\n"


@cache
def config_schema() -> dict[str, Any]:
    """The language's schema (``config.schema.json`` next to this module) with each provider's
    registry keys (its ``registry.schema.json``) added to the registry entry."""
    text = resources.files("regform.config").joinpath("config.schema.json")
    data: dict[str, Any] = json.loads(text.read_text("utf-8"))
    registry = data["$defs"]["registry"]
    names = [kind.name for kind in PROVIDERS]
    described = [f"{kind.name} ({kind.title})" for kind in PROVIDERS]
    provider = {
        "description": ", ".join(described[:-1]) + " or " + described[-1] + "."
        if len(described) > 1
        else described[0] + ".",
        "enum": names,
    }
    own, shared = _connection_properties()
    registry["properties"] = {"provider": provider, **own, **registry["properties"]}
    registry["allOf"] = [_provider_rules(kind, shared) for kind in PROVIDERS]
    _add_repository_keys(data)
    return data


def _add_repository_keys(data: dict[str, Any]) -> None:
    """The repository keys providers add (``ProviderKind.repository_keys``) to the settings
    of entries and defaults, with the ``$defs`` they refer to."""
    settings = data["$defs"]["repositorySettings"]["properties"]
    for kind in PROVIDERS:
        if kind.repository_keys is not None:
            own_keys = kind.repository_keys.schema
            for key, value in own_keys["properties"].items():
                settings.setdefault(key, value)
            data["$defs"].update(own_keys.get("$defs", {}))


def _connection_properties() -> tuple[dict[str, Any], set[str]]:
    """The registry keys of every provider, and those that providers declare differently.

    A key two providers declare alike (``url``) is one key, its description naming them all
    (:func:`_alike`). A key two providers declare with different schemas (``credentials``) is,
    for the entry as a whole, a mapping described once for each; the provider's own schema of
    it applies under its ``provider:`` (:func:`_provider_rules`).
    """
    declared: dict[str, list[dict[str, Any]]] = {}
    names: dict[str, list[str]] = {}
    for kind in PROVIDERS:
        for key, value in kind.schema["properties"].items():
            declared.setdefault(key, []).append(value)
            names.setdefault(key, []).append(kind.name)
    own: dict[str, Any] = {}
    shared: set[str] = set()
    for key, schemas in declared.items():
        alike = schemas[0] if len(schemas) == 1 else _alike(names[key], schemas)
        if alike is not None:
            own[key] = alike
            continue
        shared.add(key)
        common = (
            {"type": schemas[0]["type"]} if len({str(s.get("type")) for s in schemas}) == 1 else {}
        )
        own[key] = {
            "description": " ".join(str(s.get("description", "")) for s in schemas),
            **common,
        }
    return own, shared


def _alike(names: list[str], schemas: list[dict[str, Any]]) -> dict[str, Any] | None:
    """One schema for a key several providers declare alike: the same schema and the same
    description after its ``provider:`` prefix (None when they differ)."""
    texts = {_PROVIDER_PREFIX.sub("", str(s.get("description", ""))) for s in schemas}
    rest = [{k: v for k, v in s.items() if k != "description"} for s in schemas]
    if len(texts) != 1 or any(r != rest[0] for r in rest):
        return None
    return {"description": f"{', '.join(names)}: {texts.pop()}", **rest[0]}


def _own_keys(kind: ProviderKind, schema: dict[str, Any]) -> dict[str, Any]:
    """A provider's schema of a shared key, saying which keys the provider takes in it."""
    keys = schema.get("properties")
    if not keys:
        return schema
    return {**schema, "unknownKeyMessage": f"provider {kind.name} takes {', '.join(keys)}"}


def _provider_rules(kind: ProviderKind, shared: set[str]) -> dict[str, Any]:
    then: dict[str, Any] = {"required": list(kind.schema["required"])}
    mine = {k: _own_keys(kind, v) for k, v in kind.schema["properties"].items() if k in shared}
    if mine:
        then["properties"] = mine
    return {
        "if": {"properties": {"provider": {"const": kind.name}}, "required": ["provider"]},
        "then": then,
    }


@cache
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(config_schema())


def _entry_schema() -> dict[str, Any]:
    root = config_schema()
    return {"$defs": root["$defs"], **root["properties"]["repositories"]["items"]}


@cache
def _entry_validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_entry_schema())


@cache
def _fast() -> tuple[Check, Check] | None:
    """Fast checks of a whole document and of one repository entry; None when the schema
    cannot be checked fast (then ``jsonschema`` checks everything)."""
    root = config_schema()
    entries = root["properties"]["repositories"]
    if set(entries) - {"type", "items", "description"} or entries.get("type") != "array":
        return None
    try:
        return compile_check(root), compile_check(root, _entry_schema())
    except Unsupported:
        return None


def _errors(data: Any) -> list[ValidationError]:
    """Every schema error of a document; valid parts (each repository entry on its own) are
    proven valid by the fast check and skip ``jsonschema``."""
    fast = _fast()
    if fast is not None and fast[0](data):
        return []
    repos = data.get("repositories") if isinstance(data, dict) else None
    if fast is None or not isinstance(repos, list):
        return list(_validator().iter_errors(data))
    whole, entry_ok = fast
    rest = {**data, "repositories": []}
    errors = [] if whole(rest) else list(_validator().iter_errors(rest))
    for i, entry in enumerate(repos):
        if entry_ok(entry):
            continue
        for error in _entry_validator().iter_errors(entry):
            error.relative_path.extendleft(reversed(("repositories", i)))
            errors.append(error)
    return errors


def secret_message(key: str) -> str:
    return (
        f"'{key}' looks like a secret: credentials never go in the config; use profile or "
        "role_arn (ecr), credentials: {username_env, password_env} (distribution), or the "
        "usual environment variables"
    )


def check_schema(doc: SourceDoc) -> tuple[list[ConfigIssue], set[DataPath]]:
    """Every schema violation in one file, and the paths of the values found wrong.

    An unknown key does not make its mapping wrong (the key is simply ignored afterwards).
    """
    issues: list[ConfigIssue] = []
    bad: set[DataPath] = set()
    for error in _errors(doc.data):
        path: DataPath = tuple(error.absolute_path)
        if path in doc.unresolved:  # the unset variable is the problem, already reported
            bad.add(path)
            continue
        issues.extend(i for i in _translate(doc, error) if i not in issues)
        if "propertyNames" in error.schema_path:
            bad.add((*path, str(error.instance)))
        elif error.validator not in ("additionalProperties", "unevaluatedProperties"):
            bad.add(path)
    return issues, bad


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (empty)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return excerpt(value)
    text = str(value)
    return (
        text if len(text) <= EXCERPT_CHARS else f"{text[:EXCERPT_CHARS]}... ({len(text):,} digits)"
    )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true or false"
    return "a string" if isinstance(value, str) else "a number"


def _resolve(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        resolved: Mapping[str, Any] = config_schema()["$defs"][ref.removeprefix("#/$defs/")]
        return resolved
    return {}


def _declared_keys(schema: Mapping[str, Any]) -> set[str]:
    keys = set(schema.get("properties", {}))
    keys |= set(_resolve(schema).get("properties", {}))
    return keys


def _exactly_one(subschemas: Any) -> list[str] | None:
    """The keys of a ``oneOf``/``anyOf`` of ``[{required: [a]}, ...]``, else None."""
    if not isinstance(subschemas, list):
        return None
    keys: list[str] = []
    for sub in subschemas:
        if not (isinstance(sub, dict) and set(sub) == {"required"} and len(sub["required"]) == 1):
            return None
        keys.append(sub["required"][0])
    return keys


def _translate(doc: SourceDoc, error: ValidationError) -> Iterator[ConfigIssue]:
    path: DataPath = tuple(error.absolute_path)
    instance = error.instance
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    kind = error.validator
    validator_value: Any = error.validator_value
    if "propertyNames" in error.schema_path:
        message = schema.get("patternErrorMessage") or error.message
        yield doc.issue((*path, str(instance)), f"invalid name '{instance}': {message}", key=True)
        return
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(instance, dict):
        allowed = _declared_keys(schema)
        for key in instance:
            if key in allowed:
                continue
            if _SECRET.search(key) and not key.endswith("_env"):
                yield doc.issue((*path, key), secret_message(key), key=True)
            else:
                hint = schema.get("unknownKeyMessage")
                why = did_you_mean(key, allowed) or (f" ({hint})" if hint else "")
                yield doc.issue((*path, key), f"unknown key '{key}'{why}", key=True)
        return
    if kind == "required" and isinstance(instance, dict):
        for key in validator_value:
            if key not in instance:
                yield doc.issue(path, f"missing required key '{key}'")
        return
    if kind in ("oneOf", "anyOf"):
        keys = _exactly_one(validator_value)
        if keys is not None and not isinstance(instance, dict):
            return  # the type error says it
        if keys is not None and isinstance(instance, dict):
            found = [k for k in keys if k in instance]
            names = ", ".join(keys)
            if found:
                yield doc.issue(path, f"set only one of {names} (found {', '.join(found)})")
            else:
                yield doc.issue(path, f"one of {names} is required")
            return
    yield doc.issue(path, _message(error, schema, instance))


def _message(error: ValidationError, schema: Mapping[str, Any], instance: Any) -> str:
    kind = error.validator
    value: Any = error.validator_value
    if kind == "type" and not error.absolute_path:  # what the file holds is not shown
        return f"a config file holds a mapping with 'version: 1'; this one holds {_kind(instance)}"
    if kind == "type":
        if "typeErrorMessage" in schema:
            return f"{schema['typeErrorMessage']} (got {_describe(instance)})"
        types = value if isinstance(value, list) else [value]
        wanted = " or ".join(_JSON_TYPES.get(str(t), str(t)) for t in types)
        hint = ""
        if (
            "string" in types
            and isinstance(instance, int | float)
            and not isinstance(instance, bool)
        ):
            hint = f' (quote it: "{instance}")'
        return f"expected {wanted}, got {_describe(instance)}{hint}"
    if kind == "enum":
        options = ", ".join(str(v) for v in value if v is not None)
        hint = did_you_mean(instance, map(str, value)) if isinstance(instance, str) else ""
        return f"must be one of {options}; got {_describe(instance)}{hint}"
    if kind == "const":
        if error.absolute_path and list(error.absolute_path) == ["version"]:
            return f"unsupported version {_describe(instance)} (this regform reads version 1)"
        if value is True:
            return f"must be true (leave the key out otherwise); got {_describe(instance)}"
        return f"must be {value!r}; got {_describe(instance)}"
    if kind == "pattern":
        explanation = schema.get("patternErrorMessage") or f"does not match {value}"
        return f"{explanation}; got {_describe(instance)}"
    if kind in ("minLength", "minItems") and value == 1:
        return "must not be empty"
    if kind in ("minLength", "maxLength") and "patternErrorMessage" in schema:
        return f"{schema['patternErrorMessage']}; got {_describe(instance)}"
    if kind in ("maxItems", "maxProperties"):
        return (
            f"at most {value} {'items' if kind == 'maxItems' else 'entries'}; got {len(instance)}"
        )
    if kind == "maxLength":
        return f"at most {value} characters; got {len(instance)}"
    if kind == "minimum":
        return f"must be at least {value}; got {_describe(instance)}"
    if kind == "maximum":
        return f"must be at most {value}; got {_describe(instance)}"
    return error.message
