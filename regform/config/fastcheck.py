"""A fast yes/no check of a value against the config schema, compiled from the schema itself.

Validating a 50,000-repository config with ``jsonschema`` takes many seconds; almost all of it is
spent proving valid entries valid. :func:`compile_check` turns a schema into a plain predicate
that answers exactly like ``jsonschema`` would whether a value is valid. It understands the keywords
the config schema uses; a schema with any other keyword does not compile (:class:`Unsupported`),
and the caller then uses ``jsonschema`` for everything. ``jsonschema`` still produces every error
message: the predicate only lets valid values skip it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

#: keywords that never change whether a value is valid
_ANNOTATIONS = frozenset(
    {"description", "default", "examples", "title", "$schema", "$id", "$comment", "$defs"}
    | {"patternErrorMessage", "typeErrorMessage", "unknownKeyMessage", "deprecated"}
    | {"markdownDescription"}
)
#: keywords through which a subschema can mark properties as evaluated
_EVALUATING = frozenset(
    {"additionalProperties", "patternProperties", "unevaluatedProperties", "dependentSchemas"}
    | {"oneOf", "anyOf", "if", "then", "else", "not"}
)


class Unsupported(Exception):
    """The schema uses a keyword the fast check does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return name == "number" or (
        name == "integer" and (isinstance(value, int) or value.is_integer())
    )


def _same(value: Any, wanted: Any) -> bool:
    """JSON equality as jsonschema tests it, against a scalar constant of the schema."""
    if isinstance(value, dict | list):
        return False
    if isinstance(wanted, bool) or isinstance(value, bool):
        return type(value) is type(wanted) and value == wanted
    return bool(value == wanted)


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        if not ref.startswith("#/$defs/"):
            raise Unsupported(ref)
        if ref not in self.refs:
            self.refs[ref] = lambda v: True  # placeholder while compiling (recursion)
            target = self.root["$defs"][ref.removeprefix("#/$defs/")]
            compiled = self.compile(target)
            self.refs[ref] = compiled
        return lambda v: self.refs[ref](v)

    def declared(self, schema: Mapping[str, Any], top: bool = True) -> set[str]:
        """Properties ``schema`` evaluates on every valid instance; Unsupported when a branch or
        pattern could evaluate more (then ``unevaluatedProperties`` is not decided here)."""
        banned = {"additionalProperties", "patternProperties", "dependentSchemas"}
        if banned & set(schema) or (not top and "unevaluatedProperties" in schema):
            raise Unsupported("unevaluatedProperties next to other evaluating keywords")
        for key in ("oneOf", "anyOf", "not", "if", "then", "else"):
            branches = schema.get(key)
            subs = branches if isinstance(branches, list) else [branches] if branches else []
            if any(set(s) & ({"properties", "$ref", "allOf"} | _EVALUATING) for s in subs):
                raise Unsupported("properties evaluated in a conditional branch")
        names = set(schema.get("properties", {}))
        for sub in schema.get("allOf", ()):
            names |= self.declared(sub, top=False)
        if "$ref" in schema:
            target = self.root["$defs"][schema["$ref"].removeprefix("#/$defs/")]
            names |= self.declared(target, top=False)
        return names

    def compile(self, schema: Any) -> Check:  # noqa: C901 - one branch per keyword
        if schema is True or schema == {}:
            return lambda v: True
        if schema is False:
            return lambda v: False
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in _ANNOTATIONS or key in ("then", "else"):
                continue
            checks.append(self.keyword(schema, key, arg))
        return lambda v: all(check(v) for check in checks)

    def keyword(self, schema: Mapping[str, Any], key: str, arg: Any) -> Check:  # noqa: C901, PLR0911, PLR0912
        if key == "type":
            names = arg if isinstance(arg, list) else [arg]
            return lambda v: any(_is_type(v, n) for n in names)
        if key == "$ref":
            return self.ref(arg)
        if key in ("enum", "const"):
            options = arg if key == "enum" else [arg]
            if any(isinstance(o, dict | list) for o in options):
                raise Unsupported("enum/const of a container")
            return lambda v: any(_same(v, o) for o in options)
        if key == "required":
            return lambda v: not isinstance(v, dict) or all(k in v for k in arg)
        if key == "properties":
            props = {name: self.compile(sub) for name, sub in arg.items()}
            return lambda v: (
                not isinstance(v, dict) or all(props[k](x) for k, x in v.items() if k in props)
            )
        if key in ("additionalProperties", "unevaluatedProperties"):
            if key == "additionalProperties" and "patternProperties" in schema:
                raise Unsupported("patternProperties")
            known = (
                self.declared(schema)
                if key == "unevaluatedProperties"
                else set(schema.get("properties", {}))
            )
            rest = self.compile(arg)
            return lambda v: (
                not isinstance(v, dict) or all(rest(x) for k, x in v.items() if k not in known)
            )
        if key == "propertyNames":
            key_check = self.compile(arg)
            return lambda v: not isinstance(v, dict) or all(key_check(k) for k in v)
        if key == "items":
            item = self.compile(arg)
            return lambda v: not isinstance(v, list) or all(item(x) for x in v)
        if key in _BOUNDS:
            return _bound(key, arg)
        if key == "pattern":
            search = re.compile(arg).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if key in ("allOf", "anyOf", "oneOf"):
            subs = [self.compile(s) for s in arg]
            if key == "allOf":
                return lambda v: all(s(v) for s in subs)
            if key == "anyOf":
                return lambda v: any(s(v) for s in subs)
            return lambda v: sum(1 for s in subs if s(v)) == 1
        if key == "not":
            negated = self.compile(arg)
            return lambda v: not negated(v)
        if key == "if":
            test = self.compile(arg)
            then = self.compile(schema.get("then", True))
            other = self.compile(schema.get("else", True))
            return lambda v: then(v) if test(v) else other(v)
        raise Unsupported(key)


_BOUNDS = frozenset(
    {
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minProperties",
        "maxProperties",
        "minimum",
        "maximum",
    }
)


def _bound(key: str, limit: Any) -> Check:
    kind: type[list[Any]] | type[str] | type[dict[str, Any]]
    if key in ("minItems", "maxItems"):
        kind = list
    elif key in ("minLength", "maxLength"):
        kind = str
    elif key in ("minProperties", "maxProperties"):
        kind = dict
    else:
        return lambda v: (
            not _is_type(v, "number") or (v >= limit if key == "minimum" else v <= limit)
        )
    if key.startswith("min"):
        return lambda v: not isinstance(v, kind) or len(v) >= limit
    return lambda v: not isinstance(v, kind) or len(v) <= limit


def compile_check(root: Mapping[str, Any], schema: Any | None = None) -> Check:
    """The predicate of ``schema`` (default: ``root``), whose ``$defs`` resolve ``$ref``s.

    Raises :class:`Unsupported` when the schema uses a keyword the predicate cannot decide."""
    return _Compiler(root).compile(root if schema is None else schema)
