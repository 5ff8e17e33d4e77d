"""Finding 3: preconditions were checked before authorization, and ETags were unkeyed hashes.

With a token that could not read a set, ``If-None-Match: *`` answered 412 with the set's ETag
when it existed and 403 when it did not; POST and DELETE answered differently for existing and
absent names; and the ETag, a plain hash of the values, gave an A record's value away offline.
Now a request is authorized from what it asks before anything is read, a set the token cannot
read looks exactly like an absent one, preconditions need read access, and ETags are HMACs.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.security.conftest import Auth, bearer, grant, mint

ZONE = "example.com"
SET_URL = f"/zones/{ZONE}/rrsets/secret/A"


@pytest.fixture
def existing(client: TestClient, auth: Auth) -> None:
    response = client.put(SET_URL, headers=auth(), json={"records": ["192.0.2.77"]})
    assert response.status_code == 200


@pytest.fixture
def outsider(client: TestClient, auth: Auth) -> dict[str, str]:
    """A token that holds everything, but on other names."""
    return bearer(mint(client, auth(), grant(["pr-*"])))


@pytest.fixture
def writer(client: TestClient, auth: Auth) -> dict[str, str]:
    """A token that may write the set but not read it."""
    return bearer(mint(client, auth(), grant(["secret"], actions=("create", "update", "delete"))))


def answer(response: Any) -> tuple[int, Any]:
    return response.status_code, response.json()


REQUESTS = {
    "put if-none-match": lambda c, h: c.put(
        SET_URL, headers={**h, "If-None-Match": "*"}, json={"records": ["192.0.2.1"]}
    ),
    "put if-match": lambda c, h: c.put(
        SET_URL, headers={**h, "If-Match": '"0123"'}, json={"records": ["192.0.2.1"]}
    ),
    "put": lambda c, h: c.put(SET_URL, headers=h, json={"records": ["192.0.2.77"]}),
    "delete set": lambda c, h: c.delete(SET_URL, headers=h),
    "delete set if-match": lambda c, h: c.delete(SET_URL, headers={**h, "If-Match": '"0123"'}),
    "upsert same value": lambda c, h: c.post(f"/records/a/{ZONE}/secret/192.0.2.77", headers=h),
    "upsert new value": lambda c, h: c.post(f"/records/a/{ZONE}/secret/192.0.2.1", headers=h),
    "delete by path": lambda c, h: c.delete(f"/records/a/{ZONE}/secret", headers=h),
    "create": lambda c, h: c.post(
        "/records",
        headers=h,
        json={"domain_type": "A", "domain": ZONE, "subdomain": "secret", "to": "192.0.2.1"},
    ),
    "changes": lambda c, h: c.post(
        f"/zones/{ZONE}/changes",
        headers=h,
        json={"changes": [{"action": "delete", "name": "secret", "type": "A"}]},
    ),
    "get set": lambda c, h: c.get(SET_URL, headers=h),
}


@pytest.mark.parametrize("request_of", list(REQUESTS.values()), ids=list(REQUESTS))
def test_a_token_without_access_gets_the_same_answer_whether_the_set_exists(
    client: TestClient, auth: Auth, outsider: dict[str, str], request_of: Any
) -> None:
    absent = answer(request_of(client, outsider))
    client.put(SET_URL, headers=auth(), json={"records": ["192.0.2.77"]})
    present = answer(request_of(client, outsider))
    assert present == absent
    assert present[0] in (403, 404)
    assert "192.0.2.77" not in str(present)


@pytest.mark.usefixtures("existing")
@pytest.mark.parametrize("header", ["If-Match", "If-None-Match"])
def test_preconditions_need_read_access(
    client: TestClient, auth: Auth, writer: dict[str, str], header: str
) -> None:
    etag = client.get(SET_URL, headers=auth()).headers["ETag"]
    for value in (etag, "*", '"0123"'):
        response = client.put(
            SET_URL, headers={**writer, header: value}, json={"records": ["192.0.2.1"]}
        )
        assert response.status_code == 403, (header, value)
        assert etag not in response.text
        assert "read access" in response.text


@pytest.mark.usefixtures("existing")
def test_a_write_by_a_token_that_cannot_read_does_not_show_what_was_there(
    client: TestClient, writer: dict[str, str]
) -> None:
    for dry_run in ("true", "false"):
        response = client.put(
            f"{SET_URL}?dry_run={dry_run}", headers=writer, json={"records": ["192.0.2.1"]}
        )
        assert response.status_code == 200, response.text
        assert response.json()["data"]["before"] is None
        assert "192.0.2.77" not in response.text


@pytest.mark.usefixtures("existing")
def test_the_etag_is_not_a_plain_hash_of_the_values(client: TestClient, auth: Auth) -> None:
    etag = client.get(SET_URL, headers=auth()).headers["ETag"]
    # What the old ETag was: a SHA-256 of the type and "ttl<TAB>value", which an attacker can
    # compute for every address of a network in well under a second.
    plain = (hashlib.sha256(f"A\n60\t192.0.2.{host}".encode()) for host in range(256))
    candidates = {f'"{digest.hexdigest()[:32]}"' for digest in plain}
    assert etag not in candidates
    again = client.get(SET_URL, headers=auth()).headers["ETag"]
    assert again == etag  # still a stable validator
