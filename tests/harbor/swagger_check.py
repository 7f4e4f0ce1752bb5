"""Every request and response of the fake Harbor checked against Harbor's published API schema.

``swagger.yaml`` is Harbor's v2.0 API (goharbor/harbor, Swagger 2.0), copied as published (one
trailing space removed). bravado-core validates parameters, bodies, types and limits
(``page_size`` maximum 100); it allows fields the schema does not define (there is no
``additionalProperties: false``), so :func:`unknown_fields` adds a strict check: an object whose
schema lists properties may carry no other key. ``api-facts.md`` beside it lists Harbor's
behaviours the fake reproduces; the fake cites its lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from bravado_core.request import IncomingRequest, unmarshal_request
from bravado_core.response import OutgoingResponse, get_response_spec, validate_response
from bravado_core.spec import Spec

SWAGGER = Path(__file__).with_name("swagger.yaml")
BASE = "/api/v2.0"


class SchemaViolation(Exception):
    """A request or response the schema does not allow (the fake answers 422 / fails)."""


@dataclass
class Request(IncomingRequest):  # type: ignore[misc]
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, str]
    body: Any = None
    form: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] = field(default_factory=dict)

    def json(self, **kwargs: Any) -> Any:
        return self.body


@dataclass
class Response(OutgoingResponse):  # type: ignore[misc]
    status: int
    body: Any
    headers: dict[str, str]
    content_type: str = "application/json"

    @property
    def text(self) -> str:
        return "" if self.body is None else json.dumps(self.body)

    @property
    def raw_bytes(self) -> bytes:
        return self.text.encode()

    def json(self, **kwargs: Any) -> Any:
        return self.body


def _known_schema_errata(raw: dict[str, Any]) -> None:
    """Where the schema contradicts what Harbor does, relaxed and named here (one place).

    ``RetentionRule.params`` is ``map[string]interface{}`` in Harbor's Go code, which the schema
    renders as ``additionalProperties: {type: object}``; Harbor takes and returns numbers there
    (api-facts.md line 69: ``params:{<template>:<int>}``).
    """
    raw["definitions"]["RetentionRule"]["properties"]["params"]["additionalProperties"] = {}


@cache
def spec() -> Spec:
    raw = yaml.safe_load(SWAGGER.read_text())
    _known_schema_errata(raw)
    config = {
        "use_models": False,
        "validate_swagger_spec": False,
        "validate_responses": True,
        "include_missing_properties": False,
    }
    return Spec.from_dict(raw, config=config)


@cache
def routes() -> list[tuple[str, re.Pattern[str], Any]]:
    """(method, path regex, operation) for every operation of the schema."""
    out = []
    for resource in spec().resources.values():
        for op in resource.operations.values():
            regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.path_name))
            out.append((op.http_method.upper(), re.compile(regex + r"\Z"), op))
    # literal segments before parameters: /projects/{p}/_deletable before /projects/{p}/...
    out.sort(key=lambda r: -len(r[1].pattern.replace("(?P", "")))
    return out


def find_operation(method: str, path: str) -> tuple[Any, dict[str, str]]:
    for verb, regex, op in routes():
        found = regex.match(path[len(BASE) :]) if path.startswith(BASE) else None
        if verb == method and found:
            return op, {k: unquote(v) for k, v in found.groupdict().items()}
    raise SchemaViolation(f"{method} {path} is not an operation of the Harbor API")


def _schema_of(value: Any) -> Any:
    return spec().deref(value)


def unknown_fields(schema: Any, value: Any, where: str = "") -> list[str]:
    """Paths of keys the (dereferenced) schema does not define."""
    schema = _schema_of(schema) or {}
    problems: list[str] = []
    for part in schema.get("allOf", ()):
        schema = {**_schema_of(part), **{k: v for k, v in schema.items() if k != "allOf"}}
    if isinstance(value, dict):
        props = {k: _schema_of(v) for k, v in (schema.get("properties") or {}).items()}
        extra_ok = "additionalProperties" in schema or not props
        for key, sub in value.items():
            if key in props:
                problems += unknown_fields(props[key], sub, f"{where}.{key}")
            elif not extra_ok:
                problems.append(f"{where}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += unknown_fields(schema["additionalProperties"], sub, f"{where}.{key}")
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += unknown_fields(schema["items"], item, f"{where}[{i}]")
    return problems


def check_request(op: Any, request: Request) -> dict[str, Any]:
    """The request's parameters, unmarshalled; SchemaViolation when the schema forbids it."""
    try:
        params: dict[str, Any] = unmarshal_request(request, op)
    except Exception as exc:  # bravado raises several types for one meaning: invalid
        raise SchemaViolation(f"{op.operation_id}: {exc}") from None
    for param in op.params.values():
        if param.location == "body" and request.body is not None:
            extra = unknown_fields(param.param_spec.get("schema"), request.body)
            if extra:
                raise SchemaViolation(f"{op.operation_id}: unknown fields {extra}")
    return params


def check_response(op: Any, response: Response) -> None:
    try:
        response_spec = get_response_spec(response.status, op)
        validate_response(response_spec, op, response)
    except Exception as exc:
        raise SchemaViolation(f"{op.operation_id} -> {response.status}: {exc}") from None
    extra = unknown_fields(response_spec.get("schema"), response.body)
    if extra:
        raise SchemaViolation(f"{op.operation_id} -> {response.status}: unknown fields {extra}")
