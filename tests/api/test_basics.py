"""Health, identity, domains, docs and the error envelope."""

from __future__ import annotations

from collections.abc import Callable

import jwt
import pytest
from fastapi.testclient import TestClient

Auth = Callable[..., dict[str, str]]


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"meta": {"status": 200}}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_whoami(client: TestClient, auth: Auth, method: str) -> None:
    response = client.request(method, "/whoami", headers=auth("alice"))
    assert response.status_code == 200
    body = response.json()
    assert body["data"]["id"] == "alice"
    assert body["data"]["type"] == "user"
    assert body["meta"] == {"status": 200}


def test_domains_lists_zones_and_denied_names(client: TestClient, auth: Auth) -> None:
    response = client.get("/domains", headers=auth())
    assert response.status_code == 200
    assert response.json()["data"] == [
        {"id": "example.com", "type": "domain"},
        {"id": "example.org", "type": "domain"},
        {"id": "www", "type": "blacklisted_subdomain"},
        {"id": "admin", "type": "blacklisted_subdomain"},
    ]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/whoami"),
        ("GET", "/domains"),
        ("GET", "/records"),
        ("POST", "/records"),
        ("GET", "/records/1"),
        ("PATCH", "/records/1"),
        ("DELETE", "/records/1"),
        ("POST", "/records/a/example.com/x/192.0.2.1"),
        ("DELETE", "/records/a/example.com/x"),
    ],
)
@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="no-header"),
        pytest.param("Bearer", id="empty-bearer"),
        pytest.param("Basic YWxpY2U6cHc=", id="basic"),
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param(
            "Bearer " + jwt.encode({"username": "mallory"}, "x" * 64, algorithm="HS512"),
            id="wrong-key",
        ),
    ],
)
def test_every_protected_endpoint_answers_401(
    client: TestClient, method: str, path: str, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    response = client.request(method, path, headers=headers, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["meta"] == {"status": 401}
    assert body["errors"][0]["code"] == "unauthenticated"


def test_unknown_route_is_404_json(client: TestClient) -> None:
    response = client.get("/nope")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "route_not_found"


def test_wrong_method_is_405_json(client: TestClient, auth: Auth) -> None:
    response = client.put("/records", headers=auth())
    assert response.status_code == 405
    assert "GET" in response.headers["allow"]
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_openapi_and_docs_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/records/{domain_type}/{domain}/{subdomain}/{to}" in spec["paths"]
    assert "requestBody" in spec["paths"]["/records"]["post"]
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/whoami", "GET, POST"),
        ("PUT", "/records/1", "DELETE, GET, PATCH, POST"),
        ("PATCH", "/zones/example.com/rrsets/www2/A", "DELETE, GET, HEAD, PUT"),
    ],
)
def test_a_wrong_method_names_every_method_of_the_path(
    client: TestClient, auth: Callable[..., dict[str, str]], method: str, path: str, allowed: str
) -> None:
    response = client.request(method, path, headers=auth())
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed
    assert response.json()["errors"][0]["code"] == "method_not_allowed"


def test_a_trailing_slash_is_404_in_the_envelope_not_a_bare_redirect(client: TestClient) -> None:
    response = client.delete("/tokens/", follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "route_not_found"
    assert "no trailing slash: /tokens" in response.json()["errors"][0]["detail"]
