"""Console fixtures: the app's client signed in through the sign-in form, as a browser does."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.conftest import legacy_token

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(response: Response) -> str:
    """The CSRF token carried by the forms of a page."""
    found = _CSRF.search(response.text)
    assert found, f"no form with a csrf_token on {response.url}"
    return found.group(1)


def sign_in(client: TestClient, token: str) -> Response:
    """Sign ``client`` in with ``token`` through the form; the answer to the form's POST."""
    page = client.get("/console/sign-in")
    return client.post(
        "/console/sign-in",
        data={"csrf_token": csrf_of(page), "token": token},
        follow_redirects=False,
    )


@pytest.fixture
def console(client: TestClient) -> TestClient:
    """``client`` signed in to the console as the admin ``alice`` (a legacy token)."""
    answer = sign_in(client, legacy_token("alice"))
    assert answer.status_code == 303, answer.text
    return client


@pytest.fixture
def signed_in_as(client: TestClient) -> Callable[[str], TestClient]:
    """``signed_in_as(token)``: ``client`` signed in with that token (scoped or legacy)."""

    def signed(token: str) -> TestClient:
        answer = sign_in(client, token)
        assert answer.status_code == 303, answer.text
        return client

    return signed
