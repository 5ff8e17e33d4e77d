"""Where the emulator used to differ from DNSimple (issue 15), over HTTP on a loopback socket.

One section per rule of ``docs/emulator.md``, which names the source of each: a recorded
fixture, a DNSimple documentation page, another DNSimple client's recorded answers, or
"assumed" when nothing public says and the stricter answer was chosen.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dns_api.emulator import EmulatorState, RunningEmulator, start_emulator

ACCOUNT = 1010
TOKEN = "emulator-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ZONE = "example.com"
RECORDS = f"/v2/{ACCOUNT}/zones/{ZONE}/records"
BATCH = f"/v2/{ACCOUNT}/zones/{ZONE}/batch"
DOMAINS = f"/v2/{ACCOUNT}/domains"
RATE_LIMIT_HEADERS = {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"}
DOMAIN_FIELDS = {
    "id",
    "account_id",
    "registrant_id",
    "name",
    "unicode_name",
    "state",
    "auto_renew",
    "private_whois",
    "trustee",
    "expires_on",
    "expires_at",
    "created_at",
    "updated_at",
}
ALREADY_EXISTS = {
    "message": "Validation failed",
    "errors": {"base": ["Matching record already exists for this zone"]},
}


@pytest.fixture(scope="module")
def running() -> Iterator[RunningEmulator]:
    with start_emulator(EmulatorState(account_id=ACCOUNT, token=TOKEN, zones=(ZONE,))) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def clients(running: RunningEmulator) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with (
        httpx.Client(base_url=running.url, headers=AUTH, timeout=5.0) as authed,
        httpx.Client(base_url=running.url, timeout=5.0) as anonymous,
    ):
        yield authed, anonymous


@pytest.fixture
def state(running: RunningEmulator) -> EmulatorState:
    running.state.reset()
    return running.state


@pytest.fixture
def http(clients: tuple[httpx.Client, httpx.Client], state: EmulatorState) -> httpx.Client:
    return clients[0]


@pytest.fixture
def anonymous(clients: tuple[httpx.Client, httpx.Client], state: EmulatorState) -> httpx.Client:
    return clients[1]


def create(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = http.post(RECORDS, json=fields)
    assert response.status_code == 201, response.text
    record: dict[str, Any] = response.json()["data"]
    return record


def user_records(state: EmulatorState) -> list[dict[str, Any]]:
    return [r for r in state.records(ZONE) if not r["system_record"]]


# -- listDomains and getDomain: every zone is a hosted domain -------------------------------------


def test_list_domains_shows_every_zone_as_a_hosted_domain(
    http: httpx.Client, state: EmulatorState
) -> None:
    state.add_zone("alpha.test")
    response = http.get(DOMAINS)
    assert response.status_code == 200
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    body = response.json()
    assert [d["name"] for d in body["data"]] == ["alpha.test", ZONE]  # by name by default
    assert body["pagination"] == {
        "current_page": 1,
        "per_page": 30,
        "total_entries": 2,
        "total_pages": 1,
    }
    zones = {z["name"]: z for z in state.zones()}
    for domain in body["data"]:
        assert set(domain) == DOMAIN_FIELDS
        zone = zones[domain["name"]]
        assert (domain["id"], domain["account_id"]) == (zone["id"], ACCOUNT)
        assert (domain["state"], domain["registrant_id"], domain["expires_at"]) == (
            "hosted",
            None,
            None,
        )
        assert domain["unicode_name"] == domain["name"]
        assert domain["created_at"] == zone["created_at"]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"name_like": "ALPHA"}, ["alpha.test"]),
        ({"sort": "id:desc"}, ["beta.test", "alpha.test", ZONE]),
        ({"sort": "name:desc"}, [ZONE, "beta.test", "alpha.test"]),
        ({"sort": "expiration:asc,name:asc"}, ["alpha.test", "beta.test", ZONE]),
        ({"per_page": "1", "page": "2"}, ["beta.test"]),
        ({"registrant_id": "21"}, []),
    ],
)
def test_list_domains_filters_sorts_and_pages(
    http: httpx.Client, state: EmulatorState, query: dict[str, str], names: list[str]
) -> None:
    state.add_zone("alpha.test")
    state.add_zone("beta.test")
    response = http.get(DOMAINS, params=query)
    assert response.status_code == 200, response.text
    assert [d["name"] for d in response.json()["data"]] == names


def test_an_unknown_domain_sort_is_400(http: httpx.Client) -> None:
    response = http.get(DOMAINS, params={"sort": "content:asc"})
    assert response.status_code == 400
    assert set(response.json()) == {"message"}


def test_get_domain_by_name_in_any_case_or_by_id(http: httpx.Client) -> None:
    by_name = http.get(f"{DOMAINS}/{ZONE}")
    assert by_name.status_code == 200
    domain = by_name.json()["data"]
    assert set(domain) == DOMAIN_FIELDS
    assert http.get(f"{DOMAINS}/EXAMPLE.com").json() == {"data": domain}
    assert http.get(f"{DOMAINS}/{domain['id']}").json() == {"data": domain}


@pytest.mark.parametrize("identifier", ["nope.test", "424242"])
def test_an_unknown_domain_is_404_like_the_fixture(http: httpx.Client, identifier: str) -> None:
    response = http.get(f"{DOMAINS}/{identifier}")
    assert response.status_code == 404
    assert response.json() == {"message": f"Domain `{identifier}` not found"}


def test_an_idn_domain_has_its_unicode_name(http: httpx.Client, state: EmulatorState) -> None:
    state.add_zone("xn--bcher-kva.test")
    domain = http.get(f"{DOMAINS}/xn--bcher-kva.test").json()["data"]
    assert (domain["name"], domain["unicode_name"]) == ("xn--bcher-kva.test", "bücher.test")


def test_domains_of_another_account_are_not_found(http: httpx.Client) -> None:
    for path in ("/v2/999/domains", f"/v2/999/domains/{ZONE}"):
        response = http.get(path)
        assert (response.status_code, response.json()) == (
            404,
            {"message": "Account `999` not found"},
        )


# -- content: host names stored without the trailing dot, lower case ------------------------------


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"type": "CNAME", "content": "Target.Example.NET."}, "target.example.net"),
        ({"type": "ALIAS", "content": "target.example.net."}, "target.example.net"),
        ({"type": "MX", "content": "MX.example.com.", "priority": 10}, "mx.example.com"),
    ],
)
def test_host_name_content_loses_its_trailing_dot(
    http: httpx.Client, fields: dict[str, Any], stored: str
) -> None:
    record = create(http, name="host", **fields)
    assert record["content"] == stored
    assert http.get(f"{RECORDS}/{record['id']}").json()["data"]["content"] == stored


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"type": "NS", "content": "ns1.other.test."}, "ns1.other.test."),
        ({"type": "PTR", "content": "host.example.net."}, "host.example.net."),
        ({"type": "SRV", "content": "5 5060 sip.example.net.", "priority": 1}, None),
        ({"type": "SRV", "content": "5 5060 sip.example.net", "priority": 1}, None),
    ],
)
def test_ns_ptr_and_srv_content_is_stored_as_sent(
    http: httpx.Client, fields: dict[str, Any], stored: str | None
) -> None:
    record = create(http, name="host", **fields)
    assert record["content"] == (stored or fields["content"])


def test_an_update_and_a_batch_normalise_content_too(http: httpx.Client) -> None:
    record = create(http, name="alias", type="CNAME", content="one.example.net")
    updated = http.patch(f"{RECORDS}/{record['id']}", json={"content": "Two.Example.NET."})
    assert updated.json()["data"]["content"] == "two.example.net"
    batch = {
        "creates": [{"name": "mail", "type": "MX", "content": "mx.example.net.", "priority": 5}]
    }
    created = http.post(BATCH, json=batch).json()["data"]["creates"]
    assert [r["content"] for r in created] == ["mx.example.net"]


# -- validation as DNSimple documents it ----------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"type": "CAA", "content": "0 issue letsencrypt.org"}, ["content"]),
        ({"type": "CAA", "content": 'issue "letsencrypt.org"'}, ["content"]),
        ({"type": "CAA", "content": '256 issue "letsencrypt.org"'}, ["content"]),
        ({"type": "CAA", "content": '0 is-sue "letsencrypt.org"'}, ["content"]),
        ({"type": "MX", "content": "192.0.2.1", "priority": 10}, ["content"]),
        ({"type": "MX", "content": "mx..example.com", "priority": 10}, ["content"]),
        ({"type": "CNAME", "content": "2001:db8::1"}, ["content"]),
        ({"type": "SRV", "content": "5060 sip.example.net", "priority": 1}, ["content"]),
        ({"type": "SRV", "content": "5 70000 sip.example.net", "priority": 1}, ["content"]),
        ({"type": "SRV", "content": "5 5060 192.0.2.1", "priority": 1}, ["content"]),
        ({"type": "MX", "content": "mx.example.com", "priority": 65536}, ["priority"]),
        ({"type": "SRV", "content": "5 5060 sip.example.net", "priority": -1}, ["priority"]),
    ],
)
def test_invalid_content_and_priority_are_400(
    http: httpx.Client, state: EmulatorState, body: dict[str, Any], fields: list[str]
) -> None:
    response = http.post(RECORDS, json={"name": "x", **body})
    assert response.status_code == 400, response.text
    assert response.json()["message"] == "Validation failed"
    assert sorted(response.json()["errors"]) == fields
    assert user_records(state) == []


def test_the_priority_bound_is_worded_like_its_lower_bound(http: httpx.Client) -> None:
    body = {"name": "", "type": "MX", "content": "mx.example.com", "priority": 65536}
    response = http.post(RECORDS, json=body)
    assert response.json()["errors"] == {"priority": ["must be less than or equal to 65535"]}


@pytest.mark.parametrize(
    "name",
    [
        "www.example.com.",
        "a..b",
        ".a",
        "-a",
        "a-",
        "foo.*",
        "*a",
        "a*.b",
        "ex@mple",
        "a/b",
        "x" * 64,
        ".".join(["x" * 63] * 4),
    ],
)
def test_invalid_names_are_400_naming_name(
    http: httpx.Client, state: EmulatorState, name: str
) -> None:
    response = http.post(RECORDS, json={"name": name, "type": "A", "content": "192.0.2.1"})
    assert response.status_code == 400, response.text
    assert list(response.json()["errors"]) == ["name"]
    assert user_records(state) == []


def test_an_absolute_name_is_refused_with_a_clear_message(http: httpx.Client) -> None:
    body = {"name": "www.example.com.", "type": "A", "content": "192.0.2.1"}
    messages = http.post(RECORDS, json=body).json()["errors"]["name"]
    assert messages == ["must be relative to the zone, without a trailing dot"]


@pytest.mark.parametrize(
    "name", ["", "*", "*.dev", "_acme-challenge", "_sip._tcp", "a_b", "xn--bcher-kva", "Www"]
)
def test_valid_names_are_accepted(http: httpx.Client, name: str) -> None:
    record = create(http, name=name, type="TXT", content="x")
    assert record["name"] == name.lower()


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "CAA", "content": '0 issue "letsencrypt.org"'},
        {"type": "CAA", "content": '128 iodef "mailto:security@example.com"'},
        {"type": "CAA", "content": '0 issuewild ";"'},
        {"type": "MX", "content": "mx.example.com", "priority": 0},
        {"type": "MX", "content": ".", "priority": 0},
        {"type": "SRV", "content": "0 443 .", "priority": 65535},
        {"type": "CNAME", "content": "_dkim.example.net"},
    ],
)
def test_valid_content_of_each_checked_type_is_accepted(
    http: httpx.Client, fields: dict[str, Any]
) -> None:
    create(http, name="ok", **fields)


# -- an unknown type is "unsupported", as in DNSimple's batch fixture -----------------------------


def test_an_unknown_type_is_unsupported(http: httpx.Client) -> None:
    response = http.post(RECORDS, json={"name": "a", "type": "BOGUS", "content": "x"})
    assert response.json() == {
        "message": "Validation failed",
        "errors": {"record_type": ["unsupported"]},
    }


def test_a_missing_type_cannot_be_blank(http: httpx.Client) -> None:
    response = http.post(RECORDS, json={"name": "a", "content": "x"})
    assert response.json()["errors"] == {"record_type": ["can't be blank"]}


# -- an exact duplicate is refused ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "again"),
    [
        ({"type": "A", "content": "192.0.2.1"}, {"type": "A", "content": "192.0.2.1", "ttl": 60}),
        ({"type": "TXT", "content": "hello"}, {"type": "TXT", "content": '"hello"'}),
        (
            {"type": "CNAME", "content": "t.example.net"},
            {"type": "CNAME", "content": "T.example.net."},
        ),
        (
            {"type": "MX", "content": "mx.example.net", "priority": 10},
            {"type": "MX", "content": "mx.example.net.", "priority": 10},
        ),
    ],
)
def test_creating_a_matching_record_twice_is_400(
    http: httpx.Client, state: EmulatorState, first: dict[str, Any], again: dict[str, Any]
) -> None:
    create(http, name="dup", **first)
    response = http.post(RECORDS, json={"name": "DUP", **again})
    assert response.status_code == 400
    assert response.json() == ALREADY_EXISTS
    assert set(response.headers) >= RATE_LIMIT_HEADERS
    assert len(user_records(state)) == 1


def test_mx_records_differing_only_in_priority_both_exist(
    http: httpx.Client, state: EmulatorState
) -> None:
    create(http, name="", type="MX", content="mx.example.net", priority=10)
    create(http, name="", type="MX", content="mx.example.net", priority=20)
    assert len(user_records(state)) == 2


def test_an_update_onto_a_matching_record_is_400(http: httpx.Client, state: EmulatorState) -> None:
    create(http, name="www", type="A", content="192.0.2.1")
    other = create(http, name="www", type="A", content="192.0.2.2")
    response = http.patch(f"{RECORDS}/{other['id']}", json={"content": "192.0.2.1"})
    assert response.json() == ALREADY_EXISTS
    unchanged = http.patch(f"{RECORDS}/{other['id']}", json={"content": "192.0.2.2", "ttl": 60})
    assert unchanged.status_code == 200


def test_a_batch_cannot_create_a_matching_record(http: httpx.Client, state: EmulatorState) -> None:
    create(http, name="www", type="A", content="192.0.2.1")
    creates = [
        {"name": "www", "type": "A", "content": "192.0.2.1"},
        {"name": "api", "type": "A", "content": "192.0.2.2"},
        {"name": "api", "type": "A", "content": "192.0.2.2"},
    ]
    response = http.post(BATCH, json={"creates": creates})
    assert response.status_code == 400
    failed = response.json()["errors"]["creates"]
    assert [(f["index"], f["errors"]) for f in failed] == [
        (0, ALREADY_EXISTS["errors"]),
        (2, ALREADY_EXISTS["errors"]),
    ]
    assert len(user_records(state)) == 1


# -- no rate-limit headers on 401, 404 and 405; unauthenticated calls cost nothing ----------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"/v2/{ACCOUNT}/zones/nope.test", 404),
        ("GET", f"{RECORDS}/424242", 404),
        ("DELETE", f"{RECORDS}/424242", 404),
        ("GET", f"{DOMAINS}/nope.test", 404),
        ("GET", "/v2/999/zones", 404),
        ("GET", "/v2/nowhere", 404),
        ("PUT", f"{RECORDS}/1", 405),
    ],
)
def test_not_found_and_wrong_method_carry_no_rate_limit_headers(
    http: httpx.Client, method: str, path: str, status: int
) -> None:
    response = http.request(method, path)
    assert response.status_code == status
    assert not RATE_LIMIT_HEADERS & set(response.headers)


def test_a_401_carries_no_rate_limit_headers(anonymous: httpx.Client) -> None:
    response = anonymous.get("/v2/whoami", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert not RATE_LIMIT_HEADERS & set(response.headers)


def test_unauthenticated_calls_do_not_spend_the_budget(
    http: httpx.Client, anonymous: httpx.Client, state: EmulatorState
) -> None:
    state.set_rate_limit_remaining(10)
    for _ in range(3):
        assert anonymous.get("/v2/whoami").status_code == 401
    assert http.get("/v2/whoami").headers["x-ratelimit-remaining"] == "9"


def test_a_spent_budget_still_answers_401_to_a_bad_token(
    anonymous: httpx.Client, state: EmulatorState
) -> None:
    state.exhaust_rate_limit()
    response = anonymous.get("/v2/whoami", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


# -- answers no fixture shows: the choices of docs/emulator.md ------------------------------------


def test_another_account_is_404_account_not_found(http: httpx.Client) -> None:
    response = http.get(f"/v2/999/zones/{ZONE}/records")
    assert (response.status_code, response.json()) == (
        404,
        {"message": "Account `999` not found"},
    )


def test_a_page_past_the_last_is_empty_with_the_true_pagination(http: httpx.Client) -> None:
    body = http.get(RECORDS, params={"per_page": "2", "page": "9"}).json()
    assert body == {
        "data": [],
        "pagination": {"current_page": 9, "per_page": 2, "total_entries": 5, "total_pages": 3},
    }


def test_an_empty_list_has_one_page(http: httpx.Client) -> None:
    body = http.get(RECORDS, params={"name": "nothing-here"}).json()
    assert body == {
        "data": [],
        "pagination": {"current_page": 1, "per_page": 30, "total_entries": 0, "total_pages": 1},
    }


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "many"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "first"}, "page"),
    ],
)
def test_bad_paging_is_400_naming_the_parameter(
    http: httpx.Client, query: dict[str, str], named: str
) -> None:
    for path in (RECORDS, f"/v2/{ACCOUNT}/zones", DOMAINS):
        response = http.get(path, params=query)
        assert response.status_code == 400
        assert response.json()["message"].startswith(f"Invalid {named} `")


def test_a_patch_may_repeat_the_type_but_not_change_it(
    http: httpx.Client, state: EmulatorState
) -> None:
    record = create(http, name="www", type="A", content="192.0.2.1")
    same = http.patch(f"{RECORDS}/{record['id']}", json={"type": "a", "ttl": 60})
    assert same.status_code == 200
    changed = http.patch(f"{RECORDS}/{record['id']}", json={"type": "CNAME", "ttl": 120})
    assert changed.status_code == 400
    assert changed.json()["errors"] == {"record_type": ["cannot be changed"]}
    assert [r["ttl"] for r in user_records(state)] == [60]


# -- the start line of `dns-api emulator` ---------------------------------------------------------


@pytest.mark.slow
def test_the_start_line_says_the_base_url_token_and_account(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "dns_api", "emulator", "--port", "0", "--zone", "a.test"]
    command += ["--account-id", "4242", "--token", "t0ken"]
    with subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        try:
            assert process.stdout is not None
            lines = [process.stdout.readline(), process.stdout.readline()]
            first = re.fullmatch(
                r"DNSimple emulator: base URL (http://127\.0\.0\.1:(\d+)) \(API under /v2\), "
                r"token t0ken, account id 4242, zones a\.test\n",
                lines[0],
            )
            assert first, lines
            url, port = first.groups()
            assert port != "0"
            assert lines[1] == (
                f"dns-api settings: DNSIMPLE_BASE_URL={url} DNSIMPLE_ACCOUNT_ID=4242 "
                "DNSIMPLE_ACCOUNT_TOKEN=t0ken DNSIMPLE_DOMAINS=a.test\n"
            )
            whoami = httpx.get(
                f"{url}/v2/whoami", headers={"Authorization": "Bearer t0ken"}, timeout=10
            )
            assert whoami.json()["data"]["account"]["id"] == 4242
        finally:
            process.terminate()
            process.wait(timeout=30)
