"""The fast schema check answers exactly as jsonschema does, for valid documents and for documents
broken anywhere in any way (it only decides which parts may skip jsonschema)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from regform.config.fastcheck import Unsupported, compile_check
from regform.config.schema import config_schema
from regform.config.yamlload import parse_bytes

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*/*.yaml"))
BAD = sorted((Path(__file__).parent / "bad").glob("*.yaml"))


def _data(path: Path) -> Any:
    doc, _issues = parse_bytes(path.read_bytes(), path.name, {"REGFORM_TEST_SET": "x"})
    return None if doc is None else doc.data


VALID = [_data(p) for p in EXAMPLES]
DOCS = VALID + [d for d in map(_data, BAD) if d is not None]
VALIDATOR = Draft202012Validator(config_schema())
FAST = compile_check(config_schema())

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["", "none", "ecr", "us-east-1", "x" * 300, "*", "AES256", "KMS", "v1"]),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _containers(value: Any, out: list[Any]) -> list[Any]:
    if isinstance(value, dict | list):
        out.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, out)
    return out


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(DOCS)))
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(_containers(doc, [])))
        if isinstance(target, dict) and target and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(target)))
            if draw(st.booleans()):
                del target[key]
            else:
                target[key] = draw(json_values)
        elif isinstance(target, dict):
            target[draw(st.sampled_from(["name", "tags", "keep_last", "x", "type"]))] = draw(
                json_values
            )
        elif target:
            target[draw(st.integers(0, len(target) - 1))] = draw(json_values)
        else:
            target.append(draw(json_values))
    return doc


def test_the_shipped_schema_compiles_so_valid_configs_skip_jsonschema() -> None:
    for data in DOCS:
        assert FAST(data) == VALIDATOR.is_valid(data)
    assert all(FAST(d) for d in VALID)
    assert not all(FAST(d) for d in DOCS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fast_check_agrees_with_jsonschema_on_broken_documents(doc: Any) -> None:
    assert FAST(doc) == VALIDATOR.is_valid(doc)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_fast_check_agrees_with_jsonschema_on_any_json(value: Any) -> None:
    assert FAST(value) == VALIDATOR.is_valid(value)


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "patternProperties": {"^a": {}}},
        {"format": "email"},
        {"enum": [[1]]},
        {"$ref": "https://example.com/other.json"},
    ],
)
def test_keywords_it_cannot_decide_do_not_compile(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        compile_check(schema)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_no_broken_document_crashes_the_semantic_checks(doc: Any) -> None:
    # the semantic checks are total: whatever the schema rejected, they report, never raise
    # (check_config would fall back to the schema's issues; this test sees through that)
    import json
    import tempfile

    import regform.config as config

    crashes: list[BaseException] = []
    semantic = config._semantic

    def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            return semantic(*args, **kwargs)
        except Exception as exc:
            crashes.append(exc)
            raise

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as patch:
        patch.setattr(config, "_semantic", watched)
        path = Path(tmp) / "c.yaml"
        path.write_text(json.dumps(doc))
        outcome = config.check_config([path], env={})
    assert crashes == []
    assert outcome.config is not None or outcome.issues


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_the_streamed_checksum_is_the_checksum(value: Any) -> None:
    from regform.documents.normalize import checksum, streamed_checksum

    assert streamed_checksum(value) == checksum(value)
