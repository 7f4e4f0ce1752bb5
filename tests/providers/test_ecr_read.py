"""Reading an ECR registry: what the listing maps to, which calls details cost, KMS keys, paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from ecr_helpers import LIFECYCLE, POLICY, REGION, fail_first, harness

from regform import model as m
from regform.errors import ProviderError
from regform.model import Encryption, Repository
from regform.providers.ecr.provider import EcrProvider

pytestmark = pytest.mark.server

ALL_DETAILS = frozenset({m.TAGS, m.LIFECYCLE_POLICY, m.REPOSITORY_POLICY})


def test_listing_maps_every_listing_field(moto_reset: str, raw_ecr: Any, raw_kms: Any) -> None:
    key_arn = raw_kms.create_key()["KeyMetadata"]["Arn"]
    raw_ecr.create_repository(
        repositoryName="team/app",
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[
            {"filter": "dev-*", "filterType": "WILDCARD"},
            {"filter": "latest", "filterType": "WILDCARD"},
        ],
        imageScanningConfiguration={"scanOnPush": True},
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": key_arn},
        tags=[{"Key": "team", "Value": "a"}],
    )
    raw_ecr.create_repository(repositoryName="plain")
    h = harness(moto_reset)

    repos = h.provider.list_repositories()

    app = repos["team/app"]
    assert app.image_tag_mutability == "IMMUTABLE_WITH_EXCLUSION"
    assert app.image_tag_mutability_exclusions == ("dev-*", "latest")
    assert app.scan_on_push is True
    assert app.encryption == Encryption(type="KMS", kms_key=key_arn)
    assert app.loaded == frozenset(
        {m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.SCAN_ON_PUSH, m.ENCRYPTION}
    )
    described = raw_ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]
    assert app.info == {
        "arn": described["repositoryArn"],
        "uri": described["repositoryUri"],
        "registry_id": described["registryId"],
        "created_at": described["createdAt"].isoformat(),
    }
    datetime.fromisoformat(app.info["created_at"])  # ISO 8601

    plain = repos["plain"]
    assert (plain.image_tag_mutability, plain.scan_on_push) == ("MUTABLE", False)
    assert plain.image_tag_mutability_exclusions == ()
    assert plain.encryption == Encryption()
    # listing alone never reads tags or documents
    assert h.provider.api_calls() == {"DescribeRepositories": 1}
    assert m.TAGS not in app.loaded


def test_read_details_makes_only_the_calls_asked_for(moto_reset: str, raw_ecr: Any) -> None:
    raw_ecr.create_repository(repositoryName="aa", tags=[{"Key": "team", "Value": "x"}])
    raw_ecr.put_lifecycle_policy(repositoryName="aa", lifecyclePolicyText=json.dumps(LIFECYCLE))
    raw_ecr.set_repository_policy(repositoryName="aa", policyText=json.dumps(POLICY))
    raw_ecr.create_repository(repositoryName="bb")
    raw_ecr.create_repository(repositoryName="cc")
    h = harness(moto_reset)

    found = h.provider.read_details(
        {"aa": frozenset({m.TAGS}), "bb": frozenset({m.LIFECYCLE_POLICY}), "cc": frozenset()}
    )

    assert h.provider.api_calls() == {
        "DescribeRepositories": 1,
        "GetLifecyclePolicy": 1,
        "ListTagsForResource": 1,
    }
    assert found["aa"].tags == {"team": "x"}
    assert m.TAGS in found["aa"].loaded and m.LIFECYCLE_POLICY not in found["aa"].loaded
    assert found["bb"].lifecycle_policy is None and m.LIFECYCLE_POLICY in found["bb"].loaded
    assert found["cc"].loaded == frozenset(
        {m.MUTABILITY, m.MUTABILITY_EXCLUSIONS, m.SCAN_ON_PUSH, m.ENCRYPTION}
    )


def test_read_details_parses_documents_and_leaves_out_missing_names(
    moto_reset: str, raw_ecr: Any
) -> None:
    raw_ecr.create_repository(repositoryName="aa")
    raw_ecr.put_lifecycle_policy(repositoryName="aa", lifecyclePolicyText=json.dumps(LIFECYCLE))
    raw_ecr.set_repository_policy(repositoryName="aa", policyText=json.dumps(POLICY))
    raw_ecr.create_repository(repositoryName="empty")
    h = harness(moto_reset)

    found = h.provider.read_details(
        {"aa": ALL_DETAILS, "empty": ALL_DETAILS, "not-there": ALL_DETAILS}
    )

    assert set(found) == {"aa", "empty"}
    assert found["aa"].lifecycle_policy == LIFECYCLE
    assert found["aa"].repository_policy == POLICY
    assert found["aa"].tags == {}
    assert (found["empty"].lifecycle_policy, found["empty"].repository_policy) == (None, None)
    assert found["aa"].loaded >= ALL_DETAILS


def test_many_repositories_read_concurrently_with_exact_counts(
    moto_reset: str, raw_ecr: Any
) -> None:
    names = [f"svc-{i:02d}" for i in range(30)]
    for n in names:
        raw_ecr.create_repository(repositoryName=n, tags=[{"Key": "n", "Value": n}])
    h = harness(moto_reset)

    found = h.provider.read_details({n: frozenset({m.TAGS, m.REPOSITORY_POLICY}) for n in names})

    assert {n: found[n].tags for n in names} == {n: {"n": n} for n in names}
    assert h.provider.api_calls() == {
        "DescribeRepositories": 1,
        "GetRepositoryPolicy": 30,
        "ListTagsForResource": 30,
    }


@pytest.mark.parametrize("form", ["alias", "alias-arn", "key-id", "key-arn"])
def test_kms_key_in_any_form_resolves_to_the_key_arn(
    moto_reset: str, raw_kms: Any, form: str
) -> None:
    meta = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/registry", TargetKeyId=meta["KeyId"])
    written = {
        "alias": "alias/registry",
        "alias-arn": f"arn:aws:kms:{REGION}:123456789012:alias/registry",
        "key-id": meta["KeyId"],
        "key-arn": meta["Arn"],
    }[form]
    h = harness(moto_reset)

    desired = h.provider.normalize_desired(
        Repository(name="x", encryption=Encryption("KMS", written))
    )

    assert desired.encryption == Encryption("KMS", meta["Arn"])


def test_kms_key_written_as_alias_reads_back_as_the_key_arn(
    moto_reset: str, raw_ecr: Any, raw_kms: Any
) -> None:
    meta = raw_kms.create_key()["KeyMetadata"]
    raw_kms.create_alias(AliasName="alias/ecr-at-rest", TargetKeyId=meta["KeyId"])
    raw_ecr.create_repository(
        repositoryName="enc",
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": "alias/ecr-at-rest"},
    )
    h = harness(moto_reset)

    actual = h.provider.list_repositories()["enc"]
    desired = h.provider.normalize_desired(
        Repository(name="enc", encryption=Encryption("KMS", meta["KeyId"]))
    )

    assert actual.encryption == desired.encryption == Encryption("KMS", meta["Arn"])
    assert h.provider.api_calls()["DescribeKey"] == 2  # one per distinct spelling, cached


def test_unknown_kms_key_is_an_error_naming_the_key(moto_reset: str) -> None:
    h = harness(moto_reset)
    with pytest.raises(ProviderError, match="alias/nope"):
        h.provider.normalize_desired(
            Repository(name="x", encryption=Encryption("KMS", "alias/nope"))
        )


def test_kms_without_a_key_is_the_managed_key_when_kms_knows_it(moto_reset: str) -> None:
    # the emulator has no aws/ecr key: the desired key stays unnamed, as ECR was asked
    h = harness(moto_reset)
    desired = h.provider.normalize_desired(Repository(name="x", encryption=Encryption("KMS")))
    assert desired.encryption == Encryption("KMS", None)
    assert h.provider.api_calls() == {"DescribeKey": 1}


def test_kms_that_cannot_be_asked_is_an_error_not_a_silent_replace(moto_reset: str) -> None:
    h = harness(moto_reset)
    fail_first(
        h.clients.kms,
        "DescribeKey",
        "AccessDeniedException",
        "User is not authorized to perform: kms:DescribeKey",
        times=5,
        service="kms",
    )
    with pytest.raises(ProviderError, match="DescribeKey.*kms:DescribeKey"):
        h.provider.normalize_desired(Repository(name="x", encryption=Encryption("KMS")))


def test_explicit_aes256_equals_the_default(moto_reset: str) -> None:
    h = harness(moto_reset)
    for enc in (Encryption("AES256"), Encryption("AES256", "alias/ignored")):
        assert h.provider.normalize_desired(Repository(name="x", encryption=enc)).encryption == (
            Encryption()
        )
    assert h.provider.api_calls() == {}


def _stubbed_provider() -> tuple[EcrProvider, Stubber]:
    kwargs: dict[str, Any] = {
        "region_name": REGION,
        "aws_access_key_id": "x",
        "aws_secret_access_key": "x",
    }
    ecr = boto3.client("ecr", **kwargs)
    provider = EcrProvider(
        "main", ecr=ecr, sts=boto3.client("sts", **kwargs), kms=boto3.client("kms", **kwargs)
    )
    return provider, Stubber(ecr)


def _listing_entry(name: str) -> dict[str, Any]:
    return {
        "repositoryArn": f"arn:aws:ecr:{REGION}:123456789012:repository/{name}",
        "registryId": "123456789012",
        "repositoryName": name,
        "repositoryUri": f"123456789012.dkr.ecr.{REGION}.amazonaws.com/{name}",
        "createdAt": datetime(2024, 5, 1, tzinfo=UTC),
        "imageTagMutability": "MUTABLE",
        "imageScanningConfiguration": {"scanOnPush": False},
        "encryptionConfiguration": {"encryptionType": "AES256"},
    }


def test_listing_follows_every_page_asking_for_1000_at_a_time() -> None:
    provider, stub = _stubbed_provider()
    pages = [["p1-a", "p1-b"], ["p2-a"], ["p3-a", "p3-b"]]
    token = None
    for i, names in enumerate(pages):
        response: dict[str, Any] = {"repositories": [_listing_entry(n) for n in names]}
        if i < len(pages) - 1:
            response["nextToken"] = f"token-{i + 1}"
        expected: dict[str, Any] = {"maxResults": 1000}
        if token:
            expected["nextToken"] = token
        stub.add_response("describe_repositories", response, expected)
        token = response.get("nextToken")

    with stub:
        repos = provider.list_repositories()

    stub.assert_no_pending_responses()
    assert sorted(repos) == ["p1-a", "p1-b", "p2-a", "p3-a", "p3-b"]
    assert provider.api_calls() == {"DescribeRepositories": 3}


def test_images_map_pull_time_and_archive_fields_across_pages() -> None:
    provider, stub = _stubbed_provider()
    pushed = datetime(2024, 1, 1, tzinfo=UTC)
    pulled = datetime(2024, 3, 1, tzinfo=UTC)
    archived = datetime(2024, 4, 1, tzinfo=UTC)
    first = {
        "imageDetails": [
            {
                "repositoryName": "app",
                "imageDigest": "sha256:" + "1" * 64,
                "imageTags": ["v1", "latest"],
                "imagePushedAt": pushed,
                "lastRecordedPullTime": pulled,
                "imageSizeInBytes": 1234,
                "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
                "imageStatus": "ACTIVE",
            }
        ],
        "nextToken": "more",
    }
    second = {
        "imageDetails": [
            {
                "repositoryName": "app",
                "imageDigest": "sha256:" + "2" * 64,
                "imagePushedAt": pushed,
                "imageStatus": "ARCHIVED",
                "lastArchivedAt": archived,
            }
        ]
    }
    params: dict[str, Any] = {
        "repositoryName": "app",
        "filter": {"tagStatus": "ANY", "imageStatus": "ANY"},
        "maxResults": 1000,
    }
    stub.add_response("describe_images", first, params)
    stub.add_response("describe_images", second, {**params, "nextToken": "more"})

    with stub:
        images = provider.list_images("app")

    active, old = images
    assert (active.tags, active.pushed_at, active.last_pulled_at) == (
        ("v1", "latest"),
        pushed,
        pulled,
    )
    assert (active.storage_class, active.size_bytes) == ("standard", 1234)
    assert active.media_type == "application/vnd.oci.image.manifest.v1+json"
    assert (old.tags, old.storage_class, old.archived_at, old.last_pulled_at) == (
        (),
        "archive",
        archived,
        None,
    )
    assert provider.api_calls() == {"DescribeImages": 2}


def test_images_of_a_repository_on_the_emulator(moto_reset: str, raw_ecr: Any) -> None:
    from ecr_images import push_image

    raw_ecr.create_repository(repositoryName="app")
    digest = push_image(raw_ecr, "app", "v1")
    h = harness(moto_reset)

    (image,) = h.provider.list_images("app")

    assert (image.digest, image.tags) == (digest, ("v1",))
    assert image.pushed_at.tzinfo is not None


def test_a_failed_read_names_registry_operation_and_aws_message(moto_reset: str) -> None:
    h = harness(moto_reset, registry="prod")
    with pytest.raises(ProviderError) as err:
        h.provider.list_images("missing")
    text = str(err.value)
    assert "'prod'" in text and "DescribeImages" in text and "RepositoryNotFoundException" in text
