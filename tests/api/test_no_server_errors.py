"""Whatever a client sends, the answer is a JSON 4xx (or a success), never a 500."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

Auth = Callable[..., dict[str, str]]

segments = st.text(min_size=1, max_size=80).map(lambda s: quote(s, safe=""))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
record_bodies = st.fixed_dictionaries(
    {},
    optional={
        "domain_type": json_values | st.sampled_from(["A", "cname", "TXT"]),
        "domain": json_values | st.sampled_from(["example.com", "EXAMPLE.org."]),
        "subdomain": json_values,
        "to": json_values | st.sampled_from(["192.0.2.1", "host.example.net"]),
    },
)
fuzz = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_clean(response: object) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/json")  # type: ignore[attr-defined]


@fuzz
@given(kind=segments, zone=segments, name=segments, to=segments)
def test_path_endpoints(
    client: TestClient, auth: Auth, kind: str, zone: str, name: str, to: str
) -> None:
    assert_clean(client.post(f"/records/{kind}/{zone}/{name}/{to}", headers=auth()))
    assert_clean(client.delete(f"/records/{kind}/{zone}/{name}", headers=auth()))


@fuzz
@given(body=record_bodies | json_values)
def test_json_create(client: TestClient, auth: Auth, body: object) -> None:
    assert_clean(client.post("/records", headers=auth(), json=body))


@fuzz
@given(
    record_id=segments, body=st.fixed_dictionaries({}, optional={"to": json_values}) | json_values
)
def test_by_id(client: TestClient, auth: Auth, record_id: str, body: object) -> None:
    assert_clean(client.get(f"/records/{record_id}", headers=auth()))
    assert_clean(client.patch(f"/records/{record_id}", headers=auth(), json=body))
    assert_clean(client.delete(f"/records/{record_id}", headers=auth()))


@fuzz
@given(number=st.text(max_size=30), size=st.text(max_size=30))
def test_list_parameters(client: TestClient, auth: Auth, number: str, size: str) -> None:
    assert_clean(
        client.get("/records", params={"page[number]": number, "page[size]": size}, headers=auth())
    )


@fuzz
@given(
    header=st.text(max_size=200).filter(lambda s: s.isascii() and "\n" not in s and "\r" not in s)
)
def test_authorization_header(client: TestClient, header: str) -> None:
    response = client.get("/whoami", headers={"Authorization": header})
    assert response.status_code in (401, 429)  # 429 once this source failed too often
