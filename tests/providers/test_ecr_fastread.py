"""The lean read path (ListTagsForResource, GetLifecyclePolicy, GetRepositoryPolicy): the same
answers, errors and requests as botocore's, retries on throttling, HTTP framing and dropped
connections, proxies, and moto's in-process mock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, SSLError
from ecr_helpers import LIFECYCLE, LIFECYCLE_2, POLICY, POLICY_2, REGION, harness
from fault_server import THROTTLED, Fault, FaultServer, make_certificates

from regform import model as m
from regform.errors import ProviderError
from regform.model import RegistryConfig
from regform.providers.ecr.fastread import FastReader
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.session import ConnectionSettings, build_clients
from regform.providers.ecr.wire import Wire

pytestmark = pytest.mark.server

ALL = frozenset({m.TAGS, m.LIFECYCLE_POLICY, m.REPOSITORY_POLICY})
READS = ("ListTagsForResource", "GetLifecyclePolicy", "GetRepositoryPolicy")


def _seed(raw_ecr: Any) -> list[str]:
    raw_ecr.create_repository(
        repositoryName="team/full",
        tags=[{"Key": "team", "Value": "a"}, {"Key": "managed-by", "Value": "regform"}],
    )
    raw_ecr.put_lifecycle_policy(
        repositoryName="team/full", lifecyclePolicyText=json.dumps(LIFECYCLE)
    )
    raw_ecr.set_repository_policy(repositoryName="team/full", policyText=json.dumps(POLICY))
    raw_ecr.create_repository(repositoryName="docs-only")
    raw_ecr.put_lifecycle_policy(
        repositoryName="docs-only", lifecyclePolicyText=json.dumps(LIFECYCLE_2, indent=2)
    )
    raw_ecr.set_repository_policy(repositoryName="docs-only", policyText=json.dumps(POLICY_2))
    raw_ecr.create_repository(repositoryName="bare", tags=[{"Key": "empty", "Value": ""}])
    return ["team/full", "docs-only", "bare"]


@pytest.fixture
def fault_server(moto_reset: str) -> Iterator[FaultServer]:
    server = FaultServer(moto_reset)
    yield server
    server.close()


def _reader(endpoint: str, **kwargs: Any) -> tuple[FastReader, Any, list[str], list[float]]:
    """A FastReader on a fresh client of ``endpoint`` (route learnt from one listing call);
    the calls it counted and the waits it made."""
    client = build_clients(ConnectionSettings(region=REGION, endpoint_url=endpoint)).ecr
    counted: list[str] = []
    waits: list[float] = []
    options: dict[str, Any] = {"max_attempts": 5, "sleep": waits.append, "rand": lambda: 1.0}
    options.update(kwargs)
    reader = FastReader(client, count=counted.append, **options)
    assert not reader.ready
    client.describe_repositories()
    assert reader.ready
    return reader, client, counted, waits


def test_fast_and_botocore_paths_read_the_same_repositories(moto_reset: str, raw_ecr: Any) -> None:
    names = _seed(raw_ecr)
    fast = harness(moto_reset)
    slow = harness(moto_reset, fast_reads=False)

    got_fast = fast.provider.read_details(dict.fromkeys(names, ALL))
    got_slow = slow.provider.read_details(dict.fromkeys(names, ALL))

    assert got_fast == got_slow
    full = got_fast["team/full"]
    assert (full.tags, full.lifecycle_policy, full.repository_policy) == (
        {"team": "a", "managed-by": "regform"},
        LIFECYCLE,
        POLICY,
    )
    assert got_fast["docs-only"].lifecycle_policy == LIFECYCLE_2
    assert got_fast["bare"].tags == {"empty": ""}
    assert (got_fast["bare"].lifecycle_policy, got_fast["bare"].repository_policy) == (None, None)
    expected = {"DescribeRepositories": 1, **dict.fromkeys(READS, 3)}
    assert fast.provider.api_calls() == slow.provider.api_calls() == expected
    # botocore made only the listing on the fast path, every read on the other
    assert fast.sent == ["DescribeRepositories"]
    assert sorted(slow.sent) == sorted(["DescribeRepositories", *READS * 3])


def _comparable(resp: dict[str, Any]) -> dict[str, Any]:
    """A response without its metadata, times as epoch seconds (botocore parses them)."""
    out = {k: v for k, v in resp.items() if k != "ResponseMetadata"}
    when = out.get("lastEvaluatedAt")
    if when is not None:
        out["lastEvaluatedAt"] = round(
            when if isinstance(when, int | float) else when.timestamp(), 3
        )
    return out


def test_every_response_field_matches_botocores(moto_reset: str, raw_ecr: Any) -> None:
    _seed(raw_ecr)
    reader, client, _, _ = _reader(moto_reset)
    for op, method, params in [
        ("ListTagsForResource", client.list_tags_for_resource, {"resourceArn": _arn(raw_ecr)}),
        ("GetLifecyclePolicy", client.get_lifecycle_policy, {"repositoryName": "team/full"}),
        ("GetRepositoryPolicy", client.get_repository_policy, {"repositoryName": "docs-only"}),
    ]:
        fast = reader.call(op, params)
        slow = method(**params)
        assert _comparable(fast) == _comparable(slow), op
        assert len(_comparable(fast)) >= (1 if op == "ListTagsForResource" else 3), op


@pytest.mark.parametrize(
    ("op", "params"),
    [
        ("GetLifecyclePolicy", {"repositoryName": "missing"}),
        ("GetLifecyclePolicy", {"repositoryName": "bare"}),
        ("GetRepositoryPolicy", {"repositoryName": "bare"}),
        (
            "ListTagsForResource",
            {"resourceArn": f"arn:aws:ecr:{REGION}:123456789012:repository/missing"},
        ),
    ],
)
def test_errors_carry_botocores_code_and_message(
    moto_reset: str, raw_ecr: Any, op: str, params: dict[str, str]
) -> None:
    _seed(raw_ecr)
    reader, client, _, waits = _reader(moto_reset)
    method = getattr(client, {v: k for k, v in _METHODS.items()}[op])

    with pytest.raises(ClientError) as fast:
        reader.call(op, params)
    with pytest.raises(ClientError) as slow:
        method(**params)

    assert fast.value.response["Error"] == slow.value.response["Error"]
    assert fast.value.operation_name == op
    assert (
        fast.value.response["ResponseMetadata"]["HTTPStatusCode"]
        == slow.value.response["ResponseMetadata"]["HTTPStatusCode"]
    )
    assert waits == []  # not found is an answer, not a reason to retry


_METHODS = {
    "list_tags_for_resource": "ListTagsForResource",
    "get_lifecycle_policy": "GetLifecyclePolicy",
    "get_repository_policy": "GetRepositoryPolicy",
}


def test_a_failed_read_reports_the_same_on_both_paths(moto_reset: str, raw_ecr: Any) -> None:
    _seed(raw_ecr)
    both = [harness(moto_reset, registry="prod", fast_reads=f) for f in (True, False)]
    for h in both:
        assert "team/full" in h.provider.list_repositories()
    raw_ecr.delete_repository(repositoryName="team/full", force=True)

    messages = []
    for h in both:
        with pytest.raises(ProviderError) as err:
            h.provider.read_details({"team/full": ALL})
        messages.append(str(err.value))

    assert messages[0] == messages[1]
    assert "'prod'" in messages[0] and "RepositoryNotFoundException" in messages[0]


def test_throttling_is_retried_with_backoff_and_fewer_reads_in_flight(
    raw_ecr: Any, fault_server: FaultServer
) -> None:
    _seed(raw_ecr)
    reader, _, counted, waits = _reader(fault_server.url, concurrency=8)
    fault_server.fail(
        "GetLifecyclePolicy",
        THROTTLED,
        Fault(429),
        Fault(503, {"__type": "ServiceUnavailableException", "message": "try again"}),
    )

    resp = reader.call("GetLifecyclePolicy", {"repositoryName": "team/full"})

    assert json.loads(resp["lifecyclePolicyText"]) == LIFECYCLE
    assert fault_server.script.seen["GetLifecyclePolicy"] == 4
    # full jitter at its maximum: 1 s then 2 s for throttling, 0.05 * 4 s for a server error
    assert waits == pytest.approx([1.0, 2.0, 0.2])
    assert counted == ["GetLifecyclePolicy"]  # one call, however many attempts
    assert reader.gate.limit < 8


def test_retries_end_after_max_attempts_with_the_error_botocore_reports(
    raw_ecr: Any, fault_server: FaultServer
) -> None:
    _seed(raw_ecr)
    reader, _, _, waits = _reader(fault_server.url, max_attempts=3)
    fault_server.fail("GetRepositoryPolicy", *[THROTTLED] * 3)
    with pytest.raises(ClientError) as fast:
        reader.call("GetRepositoryPolicy", {"repositoryName": "team/full"})
    assert fault_server.script.seen["GetRepositoryPolicy"] == 3
    assert len(waits) == 2

    botocore = boto3.client(
        "ecr",
        region_name=REGION,
        endpoint_url=fault_server.url,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )
    fault_server.fail("GetRepositoryPolicy", THROTTLED)
    with pytest.raises(ClientError) as slow:
        botocore.get_repository_policy(repositoryName="team/full")
    assert fast.value.response["Error"] == slow.value.response["Error"]
    assert fast.value.response["Error"]["Code"] == "ThrottlingException"
    assert fast.value.response["ResponseMetadata"]["MaxAttemptsReached"] is True


def test_a_dropped_keep_alive_connection_is_replaced(
    raw_ecr: Any, fault_server: FaultServer
) -> None:
    _seed(raw_ecr)
    reader, _, _, waits = _reader(fault_server.url)
    fault_server.script.drop_idle = True

    for _ in range(3):
        resp = reader.call("GetRepositoryPolicy", {"repositoryName": "team/full"})
        assert json.loads(resp["policyText"]) == POLICY

    assert fault_server.script.seen["GetRepositoryPolicy"] == 3  # nothing sent twice
    assert waits == []


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
def test_every_http_framing_reads_the_same(
    raw_ecr: Any, fault_server: FaultServer, framing: str
) -> None:
    _seed(raw_ecr)
    reader, _, _, _ = _reader(fault_server.url)
    fault_server.script.framing = framing

    first = reader.call("ListTagsForResource", {"resourceArn": _arn(raw_ecr)})
    again = reader.call("GetLifecyclePolicy", {"repositoryName": "docs-only"})

    assert sorted((t["Key"], t["Value"]) for t in first["tags"]) == [
        ("managed-by", "regform"),
        ("team", "a"),
    ]
    assert json.loads(again["lifecyclePolicyText"]) == LIFECYCLE_2


def _arn(raw_ecr: Any, name: str = "team/full") -> str:
    found = raw_ecr.describe_repositories(repositoryNames=[name])["repositories"]
    return str(found[0]["repositoryArn"])


def test_requests_carry_botocores_headers_and_signing_scope(
    raw_ecr: Any, fault_server: FaultServer
) -> None:
    _seed(raw_ecr)
    reader, client, _, _ = _reader(fault_server.url)
    client.get_lifecycle_policy(repositoryName="team/full")
    reader.call("GetLifecyclePolicy", {"repositoryName": "team/full"})

    (_, slow), (_, fast) = fault_server.script.requests[-2:]
    for name in ("x-amz-target", "content-type", "user-agent", "host"):
        assert fast[name] == slow[name], name
    assert fast["x-amz-target"] == "AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy"
    assert fast["content-type"] == "application/x-amz-json-1.1"

    def scope(auth: str) -> tuple[str, str, str]:
        algorithm, _, rest = auth.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in rest.split(","))
        credential = parts["Credential"].split("/", 2)[2]  # region/service/aws4_request
        return algorithm, credential, parts["SignedHeaders"]

    assert scope(fast["authorization"]) == scope(slow["authorization"])
    assert scope(fast["authorization"])[1] == f"{REGION}/ecr/aws4_request"
    assert fault_server.script.paths[-1] == fault_server.script.paths[-2] == "/"


def test_reads_go_through_the_proxy_botocore_uses(
    raw_ecr: Any, fault_server: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(raw_ecr)
    unreachable = "http://ecr.regform-test.invalid"
    monkeypatch.setenv("HTTP_PROXY", fault_server.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    h = harness(unreachable)

    found = h.provider.read_details({"team/full": ALL})

    assert found["team/full"].lifecycle_policy == LIFECYCLE
    assert fault_server.script.seen["GetLifecyclePolicy"] == 1
    assert set(fault_server.script.paths) == {f"{unreachable}/"}  # every request via the proxy


def test_reads_over_tls_trust_the_ca_bundle_botocore_trusts(
    moto_reset: str, raw_ecr: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(raw_ecr)
    certs = make_certificates(tmp_path)
    server = FaultServer(moto_reset, tls=(certs.cert, certs.key))
    try:
        monkeypatch.setenv("AWS_CA_BUNDLE", str(certs.ca))
        fast, slow = harness(server.url), harness(server.url, fast_reads=False)

        got = fast.provider.read_details({"team/full": ALL})

        assert got == slow.provider.read_details({"team/full": ALL})
        assert got["team/full"].repository_policy == POLICY
        assert fast.sent == ["DescribeRepositories"]
        assert server.script.seen["GetRepositoryPolicy"] == 2
    finally:
        server.close()


def test_tls_verification_fails_like_botocores(moto_reset: str, tmp_path: Path) -> None:
    certs = make_certificates(tmp_path)
    server = FaultServer(moto_reset, tls=(certs.cert, certs.key))
    body = json.dumps({"repositoryName": "nothing-here"}).encode()
    headers = [
        ("X-Amz-Target", "AmazonEC2ContainerRegistry_V20150921.GetLifecyclePolicy"),
        ("Content-Type", "application/x-amz-json-1.1"),
        (
            "Authorization",
            f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/ecr/aws4_request",
        ),
    ]
    try:
        with pytest.raises(SSLError):  # the default bundle does not know the private CA
            Wire(server.url).post(headers, body)
        for verify in (str(certs.ca), False):
            status, _, answer = Wire(server.url, verify=verify).post(headers, body)
            assert status == 400 and b"RepositoryNotFoundException" in answer
    finally:
        server.close()


def test_reads_under_moto_mock_reach_the_in_process_emulator(aws_test_env: None) -> None:
    from moto import mock_aws

    with mock_aws():
        raw = boto3.client("ecr", region_name=REGION)
        raw.create_repository(repositoryName="app", tags=[{"Key": "k", "Value": "v"}])
        raw.put_lifecycle_policy(repositoryName="app", lifecyclePolicyText=json.dumps(LIFECYCLE))
        registry = RegistryConfig(name="main", provider="ecr", connection={"region": REGION})
        with EcrProvider.from_config(registry) as provider:
            found = provider.read_details({"app": ALL})["app"]

    assert (found.tags, found.lifecycle_policy, found.repository_policy) == (
        {"k": "v"},
        LIFECYCLE,
        None,
    )
