"""The embedded sandbox: an emulated ECR registry whose state survives from one run to the next."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from ecr_helpers import LIFECYCLE, POLICY, create, field_change, update
from moto.core.base_backend import BackendDict

from regform import model as m
from regform.errors import ProviderError
from regform.model import Encryption, RegistryConfig, Repository
from regform.providers import build_provider
from regform.providers.ecr.provider import EcrProvider
from regform.providers.ecr.sandbox import MAX_STATE_BYTES

ALL = frozenset(m.REPOSITORY_FIELDS)


def _registry(name: str = "play", **connection: Any) -> RegistryConfig:
    conn = {"region": "eu-west-1", "sandbox": True, **connection}
    return RegistryConfig(name=name, provider="ecr", connection=conn)


def _new_process() -> None:
    """What a new run starts from: an emulator that knows nothing."""
    BackendDict.reset()


def _read(provider: EcrProvider) -> dict[str, Repository]:
    names = provider.list_repositories()
    found = provider.read_details(dict.fromkeys(names, ALL))
    return {n: _without_creation_time(r) for n, r in found.items()}


def _without_creation_time(repo: Repository) -> Repository:
    """The emulator stamps a new creation time on replay; nothing else may differ."""
    info = {k: v for k, v in repo.info.items() if k != "created_at"}
    return dataclasses.replace(repo, info=info)


@pytest.fixture
def sandbox_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGFORM_SANDBOX_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def test_state_survives_into_a_new_run(sandbox_dir: Path) -> None:
    wanted = Repository(
        name="team/app",
        image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
        image_tag_mutability_exclusions=("dev-*",),
        scan_on_push=True,
        encryption=Encryption("KMS", "alias/team-key"),
        tags={"team": "a"},
        lifecycle_policy=LIFECYCLE,
        repository_policy=POLICY,
        managed=ALL,
    )
    with build_provider(_registry()) as first:
        desired = first.normalize_desired(wanted)
        first.apply(create(desired))
        first.apply(create(Repository(name="other")))
        before = _read(first)
    _new_process()

    with build_provider(_registry()) as second:
        after = _read(second)
        again = second.normalize_desired(wanted)

    assert after == before
    assert set(after) == {"team/app", "other"}
    got = after["team/app"]
    for f in m.REPOSITORY_FIELDS:
        assert got.value(f) == desired.value(f), f
    # the same key spelling resolves to the same key in every run: no replace after apply
    assert again.encryption == got.encryption
    assert (sandbox_dir / "play.json").is_file()


def test_every_write_is_saved_at_once(sandbox_dir: Path) -> None:
    provider = build_provider(_registry())
    provider.apply(create(Repository(name="app")))
    after = Repository(name="app", tags={"k": "v"}, managed=frozenset({m.TAGS}))
    provider.apply(update(Repository(name="app"), after, field_change(m.TAGS, {}, {"k": "v"})))
    # no close(): a run that dies after a write keeps what it wrote
    _new_process()

    found = build_provider(_registry()).read_details({"app": frozenset({m.TAGS})})

    assert found["app"].tags == {"k": "v"}


def test_deletes_are_saved_too(sandbox_dir: Path) -> None:
    from regform.plan import REPOSITORY, Action, Change

    with build_provider(_registry()) as p:
        p.apply(create(Repository(name="gone")))
        p.apply(Change(registry="play", kind=REPOSITORY, name="gone", action=Action.DELETE))
    _new_process()

    assert build_provider(_registry()).list_repositories() == {}


def test_default_state_file_is_under_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REGFORM_SANDBOX_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    plain = RegistryConfig(name="local", provider="ecr", connection={"region": "eu-west-1"})
    provider = build_provider(plain, sandbox=True)  # as `regform --sandbox` does
    assert isinstance(provider, EcrProvider) and provider.sandbox is not None
    try:
        provider.apply(create(Repository(name="app")))
    finally:
        provider.close()

    saved = json.loads((tmp_path / ".regform" / "sandbox" / "local.json").read_text())
    assert [r["name"] for r in saved["repositories"]] == ["app"]


def test_sandbox_registries_do_not_see_each_other(sandbox_dir: Path) -> None:
    with build_provider(_registry("one")) as one:
        one.apply(create(Repository(name="only-in-one")))
        with build_provider(_registry("two")) as two:
            assert two.list_repositories() == {}
        assert set(one.list_repositories()) == {"only-in-one"}


def test_sandbox_answers_for_the_declared_account(sandbox_dir: Path) -> None:
    with build_provider(_registry(account_id="210987654321")) as p:
        p.check_identity()
        p.apply(create(Repository(name="app")))
        assert ":210987654321:" in p.list_repositories()["app"].info["arn"]


def test_sandbox_leaves_the_environment_and_real_endpoints_alone(
    sandbox_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # settings that would send any ordinary client elsewhere must not reach the sandbox
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    environ = dict(os.environ)

    with build_provider(_registry(profile="prod", role_arn="arn:aws:iam::1:role/x")) as p:
        p.apply(create(Repository(name="app")))
        assert set(p.list_repositories()) == {"app"}

    assert dict(os.environ) == environ
    text = (sandbox_dir / "play.json").read_text()
    assert "real-secret" not in text and "AKIAREALLOOKINGKEY00" not in text


def test_broken_state_file_is_a_clear_error(sandbox_dir: Path) -> None:
    sandbox_dir.mkdir(parents=True)
    (sandbox_dir / "play.json").write_text('{"format": 1,\n not json')
    with pytest.raises(ProviderError) as caught:
        build_provider(_registry())
    assert str(caught.value) == (
        f"sandbox state {sandbox_dir / 'play.json'}:2:2 is not JSON (Expecting property name "
        "enclosed in double quotes) (delete it to start afresh, or set REGFORM_SANDBOX_DIR to "
        "another directory)"
    )


def _unreadable_state(sandbox_dir: Path) -> str:
    """The message of opening the sandbox on the state file as it is."""
    with pytest.raises(ProviderError) as caught:
        build_provider(_registry())
    prefix = f"sandbox state {sandbox_dir / 'play.json'} cannot be read: "
    suffix = " (delete it to start afresh, or set REGFORM_SANDBOX_DIR to another directory)"
    message = str(caught.value)
    assert message.startswith(prefix) and message.endswith(suffix), message
    return message[len(prefix) : -len(suffix)]


def test_a_state_file_too_large_is_refused_before_it_is_read(sandbox_dir: Path) -> None:
    sandbox_dir.mkdir(parents=True)
    with (sandbox_dir / "play.json").open("wb") as state:
        state.truncate(MAX_STATE_BYTES + 1)  # sparse: nothing is written, nothing is read

    assert _unreadable_state(sandbox_dir) == (
        "file is 67,108,865 bytes; regform reads sandbox state files up to 64 MiB"
    )


def test_a_state_path_that_is_not_a_regular_file_is_refused(sandbox_dir: Path) -> None:
    state = sandbox_dir / "play.json"
    state.mkdir(parents=True)
    assert _unreadable_state(sandbox_dir) == "is a directory"

    state.rmdir()
    os.mkfifo(state)  # a FIFO would block a plain read forever
    assert _unreadable_state(sandbox_dir) == ("is a FIFO (named pipe); regform reads regular files")

    state.unlink()
    state.symlink_to("gone.json")
    assert _unreadable_state(sandbox_dir) == "broken symlink: its target 'gone.json' does not exist"


def test_missing_emulator_is_a_clear_error(
    sandbox_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "moto.core.botocore_stubber", None)
    monkeypatch.setitem(sys.modules, "moto", None)
    with pytest.raises(ProviderError, match=r"regform\[sandbox\]"):
        build_provider(_registry())


def test_concurrent_writes_are_all_applied_and_saved(sandbox_dir: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    names = [f"svc-{i:02d}" for i in range(24)]
    with build_provider(_registry()) as p, ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: p.apply(create(Repository(name=n, tags={"n": n}))), names))
    _new_process()

    found = build_provider(_registry()).read_details(dict.fromkeys(names, frozenset({m.TAGS})))
    assert {n: r.tags for n, r in found.items()} == {n: {"n": n} for n in names}


def test_kms_without_a_key_stays_equal_to_the_managed_default(sandbox_dir: Path) -> None:
    wanted = Repository(name="enc", encryption=Encryption("KMS"), managed=ALL)
    with build_provider(_registry()) as p:
        p.apply(create(p.normalize_desired(wanted)))
    _new_process()

    with build_provider(_registry()) as p:
        actual = p.list_repositories()["enc"].encryption
        assert p.normalize_desired(wanted).encryption == actual
        assert actual.type == "KMS" and actual.kms_key is not None
