"""TLS: a registry serving a certificate from a private CA generated here."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from dist_auth import TlsFiles, make_tls
from dist_images import Pusher
from dist_server import RegistryServer, provider_for, run_registry

from regform.errors import ProviderError


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return make_tls(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_registry(
    tls: TlsFiles, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RegistryServer]:
    root = tmp_path_factory.mktemp("registry-tls")
    with run_registry(root, tls=(tls.server_cert, tls.server_key), ca_cert=tls.ca_cert) as server:
        Pusher(server.url, verify=str(tls.ca_cert)).image("team/app", "v1", "2026-01-01T00:00:00Z")
        yield server


def test_a_private_ca_is_trusted_through_ca_cert(
    tls_registry: RegistryServer, tls: TlsFiles
) -> None:
    provider = provider_for(tls_registry.url, ca_cert=str(tls.ca_cert))

    assert [i.tags for i in provider.list_images("team/app")] == [("v1",)]


def test_an_unknown_ca_is_refused_with_a_hint(tls_registry: RegistryServer) -> None:
    provider = provider_for(tls_registry.url)

    with pytest.raises(ProviderError, match="TLS verification of .* failed .*set ca_cert"):
        provider.list_repositories()


def test_insecure_skips_verification_with_a_loud_warning(
    tls_registry: RegistryServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        provider = provider_for(tls_registry.url, insecure=True)

    assert "team/app" in provider.list_repositories()
    assert "TLS certificate verification is OFF" in caplog.text


def test_plain_http_needs_allow_http() -> None:
    with pytest.raises(ProviderError, match="uses plain http.*allow_http: true"):
        provider_for("http://127.0.0.1:1", allow_http=False)


def test_contradictory_or_missing_tls_settings_are_errors(tls: TlsFiles) -> None:
    with pytest.raises(ProviderError, match="either ca_cert or insecure"):
        provider_for("https://127.0.0.1:1", ca_cert=str(tls.ca_cert), insecure=True)
    with pytest.raises(ProviderError, match="ca_cert .* does not exist"):
        provider_for("https://127.0.0.1:1", ca_cert=str(tls.ca_cert) + ".missing")
