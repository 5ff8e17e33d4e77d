"""The console's history, tokens and operations pages over HTTP, on both databases, against
the DNSimple emulator: the same services as the API, so what the pages do shows in the API and
at DNSimple, and what the API refuses the pages refuse (with the field named)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from dns_api.emulator import RunningEmulator
from tests.conftest import PEER
from tests.console.conftest import csrf_of, sign_in

Auth = Callable[..., dict[str, str]]
SignedInAs = Callable[[str], TestClient]

ZONE = "example.com"
EVERYTHING = {
    "zones": ["*"],
    "names": ["**"],
    "types": ["*"],
    "actions": ["read", "create", "update", "delete"],
}
PR_GRANT = {
    "zones": [ZONE],
    "names": ["pr-*"],
    "types": ["A"],
    "actions": ["read", "create", "update"],
}


# Reading pages


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append({"tag": tag, **{k: v or "" for k, v in attrs}})


def tags(page: Response) -> list[dict[str, str]]:
    """Every start tag of the page, with its attributes."""
    parser = _Tags()
    parser.feed(page.text)
    return parser.found


def by_id(page: Response, element_id: str) -> dict[str, str] | None:
    return next((t for t in tags(page) if t.get("id") == element_id), None)


def with_class(page: Response, *classes: str) -> list[dict[str, str]]:
    return [t for t in tags(page) if set(classes) <= set(t.get("class", "").split())]


def event_ids(page: Response) -> list[int]:
    return [int(t["data-event-id"]) for t in with_class(page, "event")]


def text_of(page: Response, element_id: str) -> str:
    """The text inside the element ``element_id`` (the first element closing after it)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</', page.text, re.S)
    assert found, f"no #{element_id}"
    return found.group(1).strip()


def post_form(client: TestClient, path: str, page: Response, **fields: Any) -> Response:
    """Send a form of ``page`` (with its CSRF token) as a browser does."""
    data = {"csrf_token": csrf_of(page), **fields}
    return client.post(path, data=data, follow_redirects=False)


# The API and DNSimple, to check what the pages did


def put(client: TestClient, auth: Auth, name: str, *values: str, zone: str = ZONE) -> None:
    answer = client.put(
        f"/zones/{zone}/rrsets/{name}/A", headers=auth(), json={"records": list(values)}
    )
    assert answer.status_code == 200, answer.text


def api_events(client: TestClient, auth: Auth, **params: Any) -> list[dict[str, Any]]:
    answer = client.get("/audit", headers=auth(), params={"limit": 500, **params})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["data"]
    return found


def mint(client: TestClient, headers: dict[str, str], grant: dict[str, Any], **body: Any) -> Any:
    payload = {"name": "minted", "grants": [grant], **body}
    answer = client.post("/tokens", headers=headers, json=payload)
    assert answer.status_code == 201, answer.text
    return answer.json()["data"]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def upstream(emulator: RunningEmulator, name: str) -> list[str]:
    return sorted(r["content"] for r in emulator.state.records(ZONE) if r["name"] == name)


def browser(client: TestClient) -> TestClient:
    """Another browser on the same app (its own cookies)."""
    return TestClient(client.app, client=PEER)


class TestHistory:
    def test_events_newest_first_and_filtered(self, console: TestClient, auth: Auth) -> None:
        put(console, auth, "app", "192.0.2.1")
        put(console, auth, "app", "192.0.2.2")
        put(console, auth, "mail", "192.0.2.9", zone="example.org")

        page = console.get("/console/history")
        assert page.status_code == 200
        assert by_id(page, "history-filter")
        assert by_id(page, "events")
        assert event_ids(page) == [e["id"] for e in api_events(console, auth)]

        org = console.get("/console/history", params={"zone": "EXAMPLE.org."})
        [mail] = api_events(console, auth, zone="example.org")
        assert event_ids(org) == [mail["id"]]
        updated = console.get("/console/history", params={"action": "record:updated"})
        assert event_ids(updated) == [
            e["id"] for e in api_events(console, auth, action="record:updated")
        ]
        assert "192.0.2.1 → 192.0.2.2" in updated.text
        nobody = console.get(
            "/console/history", params={"actor": "bob", "since": "2000-01-01T00:00"}
        )
        assert event_ids(nobody) == []
        assert by_id(nobody, "no-events")

    def test_a_bad_filter_is_named_next_to_its_field(self, console: TestClient) -> None:
        page = console.get("/console/history", params={"since": "yesterday", "zone": "a..b"})
        assert page.status_code == 422
        since = by_id(page, "since")
        assert since
        assert since["aria-invalid"] == "true"
        assert since["aria-describedby"] == "since-error"
        assert "ISO-8601" in text_of(page, "since-error")
        assert by_id(page, "zone-error")
        cursor = console.get("/console/history", params={"before": "1 OR 1=1"})
        assert cursor.status_code == 422
        assert "cursor" in text_of(cursor, "problem")

    def test_pages_follow_the_cursor(self, console: TestClient, auth: Auth) -> None:
        put(console, auth, "bulk", *(f"192.0.2.{n}" for n in range(1, 61)))
        everything = [e["id"] for e in api_events(console, auth)]
        assert len(everything) == 60

        first = console.get("/console/history")
        older = by_id(first, "older")
        assert older is not None
        second = console.get(older["href"])
        assert by_id(second, "older") is None
        assert len(event_ids(first)) == 50
        assert event_ids(first) + event_ids(second) == everything

    def test_an_event_shows_its_diff(self, console: TestClient, auth: Auth) -> None:
        put(console, auth, "app", "192.0.2.1")
        put(console, auth, "app", "192.0.2.2")
        [updated] = api_events(console, auth, action="record:updated")
        page = console.get(f"/console/history/{updated['id']}")
        assert page.status_code == 200
        assert by_id(page, "diff")
        assert "<del>192.0.2.1</del>" in page.text
        assert "<ins>192.0.2.2</ins>" in page.text
        minted = mint(console, auth(), PR_GRANT)
        [created] = api_events(console, auth, action="token:created")
        token_event = console.get(f"/console/history/{created['id']}")
        assert token_event.status_code == 200
        assert "pr-*" in token_event.text.split('id="diff"')[1]
        assert minted["token"] not in token_event.text
        assert console.get("/console/history/999999").status_code == 404
        assert console.get("/console/history/abc").status_code == 404

    def test_an_admin_previews_then_applies_a_revert(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(console, auth, "app", "192.0.2.1")
        put(console, auth, "app", "192.0.2.2")
        [updated] = api_events(console, auth, action="record:updated")
        path = f"/console/history/{updated['id']}"
        page = console.get(path)
        assert by_id(page, "revert-preview-button")

        preview = post_form(console, f"{path}/revert/preview", page)
        assert preview.status_code == 200
        assert by_id(preview, "plan")
        assert by_id(preview, "revert-button")
        [operation] = with_class(preview, "op")
        assert "op-update" in operation["class"]
        assert upstream(emulator, "app") == ["192.0.2.2"]  # a preview changes nothing

        applied = post_form(console, f"{path}/revert", preview)
        assert applied.status_code == 303
        assert applied.headers["location"] == f"{path}?done=reverted"
        assert by_id(console.get(applied.headers["location"]), "done")
        assert upstream(emulator, "app") == ["192.0.2.1"]
        newest = api_events(console, auth)[0]
        assert (newest["action"], newest["after"]["value"]) == ("record:updated", "192.0.2.1")

        again = post_form(console, f"{path}/revert/preview", page)
        assert again.status_code == 409  # the record changed since the event: refused
        assert by_id(again, "problem")

    def test_a_revert_is_refused_to_a_non_admin(
        self,
        client: TestClient,
        auth: Auth,
        signed_in_as: SignedInAs,
        emulator: RunningEmulator,
    ) -> None:
        put(client, auth, "app", "192.0.2.1")
        [created] = api_events(client, auth)
        scoped = signed_in_as(mint(client, auth(), EVERYTHING)["token"])
        page = scoped.get(f"/console/history/{created['id']}")
        assert page.status_code == 200
        assert by_id(page, "diff")
        assert by_id(page, "revert-preview") is None
        for step in ("revert/preview", "revert"):
            refused = post_form(scoped, f"/console/history/{created['id']}/{step}", page)
            assert refused.status_code == 403
        assert upstream(emulator, "app") == ["192.0.2.1"]

    def test_a_token_sees_only_the_events_it_may_read(
        self, client: TestClient, auth: Auth, signed_in_as: SignedInAs
    ) -> None:
        put(client, auth, "pr-1", "192.0.2.1")
        put(client, auth, "app", "192.0.2.2")
        app, pr = (e["id"] for e in api_events(client, auth, action="record:created"))
        scoped = signed_in_as(mint(client, auth(), PR_GRANT)["token"])
        assert event_ids(scoped.get("/console/history")) == [pr]
        assert scoped.get(f"/console/history/{app}").status_code == 404


def mint_form(client: TestClient, **fields: Any) -> Response:
    page = client.get("/console/tokens/new")
    assert page.status_code == 200
    assert by_id(page, "mint")
    typed: dict[str, Any] = {
        "name": "preview",
        "zones": ZONE,
        "names": "pr-*",
        "types": ["A"],
        "actions": ["read", "create"],
        "expires": "",
        "networks": "",
    }
    typed.update(fields)
    return post_form(client, "/console/tokens/new", page, **typed)


def secret_of(page: Response) -> str:
    assert page.status_code == 201, page.text
    assert by_id(page, "copy-token")
    return text_of(page, "new-token-secret")


class TestTokens:
    def test_mint_a_child_and_use_it_over_the_api(
        self, console: TestClient, emulator: RunningEmulator
    ) -> None:
        minted = mint_form(console, expires="30", networks="127.0.0.0/8, ::1")
        secret = secret_of(minted)
        assert secret.startswith("dnsapi_")

        created = console.put(
            f"/zones/{ZONE}/rrsets/pr-7/A", headers=bearer(secret), json={"records": ["192.0.2.7"]}
        )
        assert created.status_code == 200, created.text
        assert upstream(emulator, "pr-7") == ["192.0.2.7"]
        outside = console.put(
            f"/zones/{ZONE}/rrsets/app/A", headers=bearer(secret), json={"records": ["192.0.2.8"]}
        )
        assert outside.status_code == 403

        listed = console.get("/console/tokens")
        [row] = with_class(listed, "token")
        assert by_id(listed, "mint-link")
        assert [b["class"] for b in with_class(listed, "badge", "live")] == ["badge live"]
        assert secret not in listed.text  # shown once, on the page that minted it
        token = console.get("/tokens", headers=bearer(secret)).json()["data"][0]
        assert int(row["data-token-id"]) == token["id"]
        assert (token["cidrs"], token["expires"] is not None) == (["127.0.0.0/8", "::1/128"], True)

    def test_what_the_api_refuses_is_named_by_field(self, console: TestClient) -> None:
        refused = mint_form(
            console,
            name="",
            zones="elsewhere.test",
            names="a..b",
            types=[],
            actions=[],
            expires="soon",
            networks="not-a-network",
        )
        assert refused.status_code == 422
        for field in ("token-name", "zones", "names", "types", "actions", "expires", "networks"):
            assert by_id(refused, f"{field}-error"), field
        assert by_id(refused, "zones")["aria-invalid"] == "true"  # type: ignore[index]
        assert "elsewhere.test" in text_of(refused, "zones-error")
        assert by_id(refused, "zones")["value"] == "elsewhere.test"  # type: ignore[index]
        assert with_class(console.get("/console/tokens"), "token") == []

    def test_minting_beyond_the_parent_is_refused_by_field(
        self, client: TestClient, auth: Auth, signed_in_as: SignedInAs
    ) -> None:
        parent = mint(client, auth(), PR_GRANT, can_mint=True, expires="1d")
        scoped = signed_in_as(parent["token"])
        refused = mint_form(
            scoped, zones="example.org", actions=["read", "delete"], expires="", can_mint="on"
        )
        assert refused.status_code == 403
        assert "example.org" in text_of(refused, "zones-error")
        assert "delete" in text_of(refused, "actions-error")
        assert "expires" in text_of(refused, "expires-error")
        assert by_id(refused, "names-error") is None
        assert len(with_class(scoped.get("/console/tokens"), "token")) == 1

        within = mint_form(scoped, names="pr-1*", expires="12h")
        secret_of(within)
        assert len(with_class(scoped.get("/console/tokens"), "token")) == 2

    def test_the_match_example(self, console: TestClient, auth: Auth) -> None:
        put(console, auth, "pr-12", "192.0.2.1")
        put(console, auth, "app", "192.0.2.2")
        fragment = console.get("/console/tokens/match", params={"names": "pr-*", "zones": ZONE})
        assert fragment.status_code == 200
        matching = re.findall(r'<code class="match">([^<]*)</code>', fragment.text)
        others = re.findall(r'<code class="no-match">([^<]*)</code>', fragment.text)
        assert "pr-12" in matching
        assert "app" in others
        assert "@" in others
        assert "<html" not in fragment.text

        bad = console.get("/console/tokens/match", params={"names": "<b>x</b>", "zones": ZONE})
        assert bad.status_code == 422
        assert "<b>" not in bad.text
        assert "&lt;b&gt;" in bad.text

    def test_revoke_shows_the_cascade_then_ends_every_use(
        self, console: TestClient, auth: Auth
    ) -> None:
        parent = mint(console, auth(), EVERYTHING, can_mint=True)
        child = mint(console, bearer(parent["token"]), PR_GRANT)
        other = mint(console, auth(), PR_GRANT)
        child_browser = browser(console)
        assert sign_in(child_browser, child["token"]).status_code == 303
        assert child_browser.get("/console/tokens").status_code == 200

        page = console.get(f"/console/tokens/{parent['id']}/revoke")
        assert page.status_code == 200
        assert by_id(page, "cascade")
        assert by_id(page, "confirm-revoke-button")
        cascade = [
            int(t["data-token-id"]) for t in tags(page) if t["tag"] == "li" and "data-token-id" in t
        ]
        assert cascade == [parent["id"], child["id"]]

        revoked = post_form(console, f"/console/tokens/{parent['id']}/revoke", page)
        assert revoked.status_code == 303
        assert revoked.headers["location"] == "/console/tokens?done=revoked"
        listed = console.get(revoked.headers["location"])
        assert by_id(listed, "done")
        assert len(with_class(listed, "badge", "revoked")) == 2
        assert len(with_class(listed, "badge", "live")) == 1

        for token in (parent, child):
            assert console.get("/tokens", headers=bearer(token["token"])).status_code == 401
        assert console.get("/tokens", headers=bearer(other["token"])).status_code == 200
        again = console.get(f"/console/tokens/{parent['id']}/revoke")
        assert again.status_code == 200
        assert "already revoked" in again.text
        ended = child_browser.get("/console/tokens", follow_redirects=False)
        assert ended.status_code == 303
        assert ended.headers["location"] == "/console/sign-in?ended=1"

    def test_only_managed_tokens_can_be_revoked(
        self, client: TestClient, auth: Auth, signed_in_as: SignedInAs
    ) -> None:
        parent = mint(client, auth(), EVERYTHING, can_mint=True)
        child = mint(client, bearer(parent["token"]), PR_GRANT)
        scoped = signed_in_as(child["token"])
        assert scoped.get(f"/console/tokens/{parent['id']}/revoke").status_code == 404
        page = scoped.get("/console/tokens")
        refused = post_form(scoped, f"/console/tokens/{parent['id']}/revoke", page)
        assert refused.status_code == 404
        assert client.get("/tokens", headers=bearer(parent["token"])).status_code == 200


class TestOperations:
    def test_drift_is_shown_and_applying_fixes_it(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(console, auth, "app", "192.0.2.1")
        [record] = [r for r in emulator.state.records(ZONE) if r["name"] == "app"]
        emulator.state.update_record(ZONE, record["id"], {"content": "192.0.2.66"})

        page = console.get("/console/operations")
        assert page.status_code == 200
        for section in ("drift", "pending", "budget", "readiness"):
            assert by_id(page, section), section
        assert len(with_class(page, "drift-item", "drift")) == 1
        assert "192.0.2.66" in page.text
        assert text_of(page, "pending-count") == "0"
        assert int(text_of(page, "budget-remaining")) < int(text_of(page, "budget-limit"))
        assert by_id(page, "reconcile-apply-button")

        applied = post_form(console, "/console/operations/reconcile", page)
        assert applied.status_code == 303
        assert upstream(emulator, "app") == ["192.0.2.1"]
        after = console.get(applied.headers["location"])
        assert by_id(after, "done")
        assert with_class(after, "drift-item") == []
        assert "Every zone is in sync" in after.text

    def test_a_plan_that_changes_too_much_needs_force(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put(console, auth, "app", *(f"192.0.2.{n}" for n in range(1, 11)))
        for record in [r for r in emulator.state.records(ZONE) if r["name"] == "app"][:4]:
            emulator.state.update_record(ZONE, record["id"], {"ttl": 7200})
        page = console.get("/console/operations")

        refused = post_form(console, "/console/operations/reconcile", page)
        assert refused.status_code == 409
        assert "30 %" in text_of(refused, "problem")
        assert sum(r["ttl"] == 7200 for r in emulator.state.records(ZONE)) == 4

        forced = post_form(console, "/console/operations/reconcile", page, force="on")
        assert forced.status_code == 303
        assert sum(r["ttl"] == 7200 for r in emulator.state.records(ZONE)) == 0

    def test_only_admins_see_operations(
        self, client: TestClient, auth: Auth, signed_in_as: SignedInAs
    ) -> None:
        scoped = signed_in_as(mint(client, auth(), EVERYTHING)["token"])
        assert scoped.get("/console/operations").status_code == 403
        page = scoped.get("/console/tokens")
        assert post_form(scoped, "/console/operations/reconcile", page).status_code == 403
        assert "/console/operations" not in scoped.get("/console/history").text


@pytest.mark.parametrize(
    "path",
    ["/console/tokens/new", "/console/operations/reconcile", "/console/history/1/revert"],
)
def test_a_form_without_its_csrf_token_is_refused(
    console: TestClient, emulator: RunningEmulator, path: str
) -> None:
    fields = {"name": "x", "zones": ZONE, "names": "pr-*", "types": "A", "actions": "read"}
    refused = console.post(path, data=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert with_class(console.get("/console/tokens"), "token") == []
