"""The fake Harbor holds requests to Harbor's schema and reproduces its documented behaviour."""

from __future__ import annotations

import requests
from fake_harbor import PASSWORD, USER, FakeHarbor

AUTH = (USER, PASSWORD)


def _post(harbor: FakeHarbor, path: str, body: object, **kw: object) -> requests.Response:
    return requests.post(f"{harbor.url}/api/v2.0/{path}", json=body, auth=AUTH, timeout=10, **kw)  # type: ignore[arg-type]


def test_unknown_field_is_refused(harbor: FakeHarbor) -> None:
    resp = _post(harbor, "projects", {"project_name": "a", "storage_limitt": 5})
    assert resp.status_code == 422
    assert "storage_limitt" in resp.json()["errors"][0]["message"]


def test_wrong_type_and_page_size_over_100_are_refused(harbor: FakeHarbor) -> None:
    assert _post(harbor, "projects", {"project_name": 5}).status_code == 422
    resp = requests.get(
        f"{harbor.url}/api/v2.0/projects", params={"page_size": 500}, auth=AUTH, timeout=10
    )
    assert resp.status_code == 422


def test_create_answers_201_with_location_and_409_on_duplicate(harbor: FakeHarbor) -> None:
    first = _post(harbor, "projects", {"project_name": "a"})
    assert first.status_code == 201 and first.headers["Location"].startswith("/api/v2.0/projects/")
    assert _post(harbor, "projects", {"project_name": "a"}).status_code == 409


def test_a_write_that_sends_the_session_cookie_fails_on_csrf(harbor: FakeHarbor) -> None:
    with requests.Session() as session:  # a cookie jar, as most clients have
        session.auth = AUTH
        assert session.get(f"{harbor.url}/api/v2.0/projects", timeout=10).status_code == 200
        resp = session.post(
            f"{harbor.url}/api/v2.0/projects", json={"project_name": "b"}, timeout=10
        )
    assert resp.status_code == 403
    assert resp.json()["errors"][0]["message"] == "CSRF token invalid"


def test_metadata_put_merges_and_never_removes(harbor: FakeHarbor) -> None:
    _post(harbor, "projects", {"project_name": "a", "metadata": {"auto_scan": "true"}})
    requests.put(
        f"{harbor.url}/api/v2.0/projects/a",
        json={"metadata": {"public": "true"}},
        auth=AUTH,
        timeout=10,
    ).raise_for_status()
    got = requests.get(f"{harbor.url}/api/v2.0/projects/a", auth=AUTH, timeout=10).json()
    assert got["metadata"] == {"auto_scan": "true", "public": "true"}
    assert "storage_limit" not in got
