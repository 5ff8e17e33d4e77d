"""The console's record-set pages over the real app: browse, filter and page a zone; preview and
apply an edit (with its ETag), create, delete; refusals next to their field; CSRF; escaping; a
scoped token's view. What DNSimple ends up holding is read from the emulator over HTTP. Both
databases."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from dns_api.emulator import RunningEmulator
from tests.conftest import ACCOUNT_ID, EMULATOR_TOKEN, make_settings
from tests.console.conftest import csrf_of

Auth = Callable[..., dict[str, str]]
Held = list[tuple[str, str, str, int]]
ZONE = "example.com"
ZONE_PAGE = f"/console/zones/{ZONE}"
A1, A2, A3 = "192.0.2.1", "192.0.2.2", "192.0.2.3"
XSS = "<script>alert(1)</script>"
TTL = make_settings().dnsimple_domain_ttl  # what a set gets when no TTL is given

_ROW = re.compile(r'<tr class="rrset" data-name="([^"]*)" data-type="([^"]*)"')
_ETAG = re.compile(r'name="etag" value="([^"]*)"')


# --- helpers --------------------------------------------------------------------------------


def held(emulator: RunningEmulator, zone: str = ZONE) -> Held:
    """What DNSimple holds in ``zone``, asked over its HTTP API: (name, type, value, ttl)."""
    answer = httpx.get(
        f"{emulator.url}/v2/{ACCOUNT_ID}/zones/{zone}/records",
        params={"per_page": "100"},
        headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
    )
    assert answer.status_code == 200, answer.text
    return sorted(
        (
            r["name"],
            r["type"],
            f"{r['priority']} {r['content']}" if r["priority"] is not None else r["content"],
            r["ttl"],
        )
        for r in answer.json()["data"]
        if not r["system_record"]
    )


def put_set(client: TestClient, auth: Auth, name: str, type: str, *values: str) -> None:
    """A set written over the API (someone else's change, as the console sees it)."""
    answer = client.put(
        f"/zones/{ZONE}/rrsets/{name}/{type}", headers=auth(), json={"records": list(values)}
    )
    assert answer.status_code == 200, answer.text


def rows(page: httpx.Response) -> list[tuple[str, str]]:
    return _ROW.findall(page.text)


def etag_of(page: httpx.Response) -> str:
    found = _ETAG.search(page.text)
    assert found, "no etag field on the page"
    return found.group(1).replace("&#34;", '"')


def set_page(name: str, type: str, page: str = "") -> str:
    return f"{ZONE_PAGE}/sets/{name}/{type}" + (f"/{page}" if page else "")


def post(client: TestClient, path: str, data: dict[str, Any]) -> httpx.Response:
    return client.post(path, data=data, follow_redirects=False)


def edit(
    console: TestClient, name: str, type: str, step: str, values: str, **extra: str
) -> httpx.Response:
    """Send the edit form of a set freshly opened (``extra`` overrides its fields)."""
    page = console.get(set_page(name, type))
    form = {"csrf_token": csrf_of(page), "etag": etag_of(page), "values": values, "ttl": ""}
    return post(console, set_page(name, type, step), form | extra)


def create(console: TestClient, step: str, **fields: str) -> httpx.Response:
    page = console.get(f"{ZONE_PAGE}/new")
    form = {"csrf_token": csrf_of(page), "name": "", "type": "A", "values": "", "ttl": ""}
    return post(console, f"{ZONE_PAGE}/new/{step}", form | fields)


def field_error(page: httpx.Response, field: str) -> str:
    """The message shown next to ``field``; the input says it is invalid and points to it."""
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true" aria-describedby="{field}-error"', page.text
    ), f"{field} is not marked invalid"
    found = re.search(
        rf'<p class="field-error" id="{field}-error" role="alert">([^<]*)</p>', page.text
    )
    assert found, f"no error next to {field}"
    return found.group(1)


def mint(client: TestClient, auth: Auth, *grants: dict[str, Any]) -> str:
    answer = client.post("/tokens", headers=auth(), json={"name": "scoped", "grants": list(grants)})
    assert answer.status_code == 201, answer.text
    token: str = answer.json()["data"]["token"]
    return token


def grant(names: str, actions: list[str], zones: str = ZONE, types: str = "A") -> dict[str, Any]:
    return {"zones": [zones], "names": [names], "types": [types], "actions": actions}


# --- zones and their sets -------------------------------------------------------------------


class TestBrowsing:
    def test_the_zones_page_links_every_readable_zone(self, console: TestClient) -> None:
        page = console.get("/console/zones")
        assert page.status_code == 200
        assert '<table id="zones">' in page.text
        links = re.findall(
            r'<tr class="zone">\s*<td><a class="zone-link" href="([^"]+)"', page.text
        )
        assert links == ["/console/zones/example.com", "/console/zones/example.org"]

    def test_a_zone_lists_its_sets_with_values_owner_and_last_change(
        self, console: TestClient, auth: Auth
    ) -> None:
        put_set(console, auth, "app", "A", A2, A1)
        put_set(console, auth, "@", "MX", "10 mail.example.com")
        page = console.get(ZONE_PAGE)
        assert page.status_code == 200
        assert rows(page) == [("@", "MX"), ("app", "A")]
        row = page.text[page.text.index('data-name="app"') :]
        row = row[: row.index("</tr>")]
        assert f'href="{set_page("app", "A")}"' in row
        assert f'<td class="value">{A1}\n{A2}</td>' in row
        assert '<span class="badge managed">managed</span>' in row
        assert "alice" in row
        assert f'href="{set_page("@", "MX")}"' in page.text
        assert console.get(set_page("@", "MX")).status_code == 200
        assert (
            'id="new-rrset" class="button primary" href="/console/zones/example.com/new"'
            in page.text
        )
        assert 'id="next-page"' not in page.text

    def test_an_adopted_set_shows_its_badge(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        made = httpx.post(
            f"{emulator.url}/v2/{ACCOUNT_ID}/zones/{ZONE}/records",
            headers={"Authorization": f"Bearer {EMULATOR_TOKEN}"},
            json={"name": "legacy", "type": "A", "content": A1, "ttl": 600},
        )
        assert made.status_code == 201, made.text
        adopted = console.post(f"/zones/{ZONE}/rrsets/legacy/A/adopt", headers=auth())
        assert adopted.status_code == 201, adopted.text
        put_set(console, auth, "app", "A", A2)
        listed = console.get(ZONE_PAGE).text
        legacy_row = listed[listed.index('data-name="legacy"') :]
        assert (
            '<span class="badge adopted">adopted</span>' in legacy_row[: legacy_row.index("</tr>")]
        )
        app_row = listed[listed.index('data-name="app"') :]
        assert '<span class="badge managed">managed</span>' in app_row[: app_row.index("</tr>")]
        assert "badge adopted" in console.get(set_page("legacy", "A")).text

    def test_the_last_change_names_who_made_it(self, console: TestClient, auth: Auth) -> None:
        put_set(console, auth, "app", "A", A1)
        answer = console.put(
            f"/zones/{ZONE}/rrsets/app/A", headers=auth("bob"), json={"records": [A2]}
        )
        assert answer.status_code == 200, answer.text
        listed = console.get(ZONE_PAGE).text
        row = listed[listed.index('data-name="app"') :]
        assert '<span class="muted">bob</span>' in row[: row.index("</tr>")]

    def test_the_filter_narrows_by_name_and_type(self, console: TestClient, auth: Auth) -> None:
        put_set(console, auth, "app", "A", A1)
        put_set(console, auth, "app", "TXT", "hello")
        put_set(console, auth, "db", "A", A2)
        assert rows(console.get(ZONE_PAGE, params={"name": "app"})) == [
            ("app", "A"),
            ("app", "TXT"),
        ]
        assert rows(console.get(ZONE_PAGE, params={"type": "a"})) == [("app", "A"), ("db", "A")]
        both = console.get(ZONE_PAGE, params={"name": "app.example.com", "type": "TXT"})
        assert rows(both) == [("app", "TXT")]
        assert '<option value="TXT" selected>' in both.text

    def test_a_bad_filter_is_named_next_to_its_field(self, console: TestClient) -> None:
        page = console.get(ZONE_PAGE, params={"type": "BOGUS"})
        assert page.status_code == 422
        assert "must be one of" in field_error(page, "filter-type")
        bad_cursor = console.get(ZONE_PAGE, params={"after": "not-a-cursor"})
        assert bad_cursor.status_code == 422
        assert 'id="problem"' in bad_cursor.text

    def test_pages_follow_the_cursor(self, console: TestClient, auth: Auth) -> None:
        names = [f"host-{i:03}" for i in range(101)]
        for chunk in (names[:100], names[100:]):
            changes = [
                {"action": "replace", "name": n, "type": "A", "records": [A1]} for n in chunk
            ]
            answer = console.post(
                f"/zones/{ZONE}/changes", headers=auth(), json={"changes": changes}
            )
            assert answer.status_code == 200, answer.text
        first = console.get(ZONE_PAGE)
        assert [n for n, _ in rows(first)] == names[:100]
        found = re.search(r'<a id="next-page" href="([^"]+)"', first.text)
        assert found
        second = console.get(found.group(1).replace("&amp;", "&"))
        assert [n for n, _ in rows(second)] == names[100:]
        assert 'id="next-page"' not in second.text
        assert 'id="first-page"' in second.text


# --- one set: edit with a preview -----------------------------------------------------------


class TestEditing:
    def test_the_set_page_shows_the_set_its_form_and_its_history(
        self, console: TestClient, auth: Auth
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        page = console.get(set_page("app", "A"))
        assert page.status_code == 200
        assert f'action="{set_page("app", "A", "preview")}" id="edit-set">' in page.text
        assert f">{A1}</textarea>" in page.text
        assert etag_of(page).startswith('"')
        assert (
            f'method="get" action="{set_page("app", "A", "delete")}" id="delete-set">' in page.text
        )
        history = page.text[page.text.index('<section id="set-history">') :]
        assert re.search(
            r'<tr class="event" data-event-id="\d+">\s*<td><a href="/console/history/\d+">', history
        )
        assert "record:created" in history

    def test_an_unknown_or_unreadable_set_is_not_found(self, console: TestClient) -> None:
        assert console.get(set_page("nothing", "A")).status_code == 404

    def test_a_preview_shows_the_plan_and_the_dnsimple_calls_and_changes_nothing(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        before = held(emulator)
        [record_id] = [r["id"] for r in emulator.state.records(ZONE) if r["name"] == "app"]
        one = edit(console, "app", "A", "preview", A2)
        assert one.status_code == 200
        assert '<section class="card" id="plan">' in one.text
        assert re.search(
            r'<li class="op op-update">Update <strong>A app</strong>:\s*<del>192.0.2.1</del>',
            one.text,
        )
        assert f"PATCH /v2/{ACCOUNT_ID}/zones/{ZONE}/records/{record_id}" in one.text
        assert (
            '<form method="post" action="/console/zones/example.com/sets/app/A/apply" id="apply">'
            in one.text
        )
        assert 'id="apply-button"' in one.text
        two = edit(console, "app", "A", "preview", f"{A2}\n{A3}")
        assert two.text.count('class="op op-') == 2
        assert 'class="op op-create"' in two.text
        assert f"GET /v2/{ACCOUNT_ID}/zones/{ZONE}/records?name=app" in two.text
        assert f"POST /v2/{ACCOUNT_ID}/zones/{ZONE}/batch" in two.text
        assert held(emulator) == before

    def test_apply_reaches_dnsimple_and_says_so(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        preview = edit(console, "app", "A", "preview", f"{A2}\n{A3}", ttl="600")
        form = {
            "csrf_token": csrf_of(preview),
            "etag": etag_of(preview),
            "ttl": "600",
            "values": [A2, A3],
        }
        applied = post(console, set_page("app", "A", "apply"), form)
        assert applied.status_code == 303
        assert applied.headers["location"] == set_page("app", "A") + "?done=updated"
        assert held(emulator) == [("app", "A", A2, 600), ("app", "A", A3, 600)]
        shown = console.get(applied.headers["location"])
        assert '<p class="success" role="status" id="done">' in shown.text
        assert "record:updated" in shown.text

    def test_a_stale_etag_shows_the_conflict_and_writes_nothing(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        opened = console.get(set_page("app", "A"))
        put_set(console, auth, "app", "A", A3)  # someone else, meanwhile
        form = {"csrf_token": csrf_of(opened), "etag": etag_of(opened), "values": A2, "ttl": ""}
        answer = post(console, set_page("app", "A", "apply"), form)
        assert answer.status_code == 412
        conflict = answer.text[answer.text.index('id="conflict"') :]
        assert "changed since you opened it" in conflict
        assert f"<code>{A3}</code>" in conflict[: conflict.index("</div>")]
        assert f">{A2}</textarea>" in answer.text  # what was typed is kept
        assert etag_of(answer) == etag_of(console.get(set_page("app", "A")))
        assert held(emulator) == [("app", "A", A3, TTL)]

    def test_a_bad_value_and_ttl_are_named_next_to_their_fields(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        answer = edit(console, "app", "A", "preview", f"{A2}\n999.1.1.1", ttl="soon")
        assert answer.status_code == 422
        assert field_error(answer, "values").startswith("999.1.1.1: ")
        assert "whole number" in field_error(answer, "ttl")
        assert ">192.0.2.2\n999.1.1.1</textarea>" in answer.text
        assert held(emulator) == [("app", "A", A1, TTL)]

    def test_a_grant_refusal_is_shown_and_audited(
        self, client: TestClient, auth: Auth, signed_in_as: Callable[[str], TestClient]
    ) -> None:
        put_set(client, auth, "app-1", "A", A1)
        console = signed_in_as(mint(client, auth, grant("app-*", ["read"])))
        answer = edit(console, "app-1", "A", "apply", A2)
        assert answer.status_code == 403
        assert re.search(
            r'<div class="problem" role="alert" id="problem">[^<]*no grant', answer.text
        )
        denied = client.get("/audit", headers=auth(), params={"action": "record:denied"})
        assert [e["name"] for e in denied.json()["data"]] == ["app-1"]


# --- new sets and deletes -------------------------------------------------------------------


class TestCreatingAndDeleting:
    def test_a_new_set_is_previewed_then_created(
        self, console: TestClient, emulator: RunningEmulator
    ) -> None:
        form = console.get(f"{ZONE_PAGE}/new")
        for part in ('id="new-rrset-form"', 'id="name"', 'id="type"', 'id="values"', 'id="ttl"'):
            assert part in form.text
        preview = create(console, "preview", name="mail", type="MX", values="10 mx1.example.net")
        assert preview.status_code == 200
        assert 'class="op op-create">Create <strong>MX mail</strong>' in preview.text
        assert f"POST /v2/{ACCOUNT_ID}/zones/{ZONE}/records" in preview.text
        assert held(emulator) == []
        applied = create(console, "apply", name="mail", type="MX", values="10 mx1.example.net")
        assert applied.status_code == 303
        assert applied.headers["location"] == set_page("mail", "MX") + "?done=created"
        assert held(emulator) == [("mail", "MX", "10 mx1.example.net", TTL)]
        assert 'id="done"' in console.get(applied.headers["location"]).text

    def test_a_new_set_where_one_exists_is_refused(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        answer = create(console, "apply", name="app", type="A", values=A2)
        assert answer.status_code == 409
        assert "exists already" in answer.text[answer.text.index('id="problem"') :]
        assert f'href="{set_page("app", "A")}" id="existing-set"' in answer.text
        assert held(emulator) == [("app", "A", A1, TTL)]

    def test_a_deny_listed_name_is_refused_next_to_the_name_and_audited(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        answer = create(console, "preview", name="www", type="A", values=A1)
        assert answer.status_code == 422
        assert "deny list" in field_error(answer, "name")
        assert 'value="www"' in answer.text
        denied = console.get("/audit", headers=auth(), params={"action": "record:denied"})
        assert [e["name"] for e in denied.json()["data"]] == ["www"]
        assert held(emulator) == []

    def test_a_delete_is_confirmed_then_done(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1, A2)
        confirm = console.get(set_page("app", "A", "delete"))
        assert confirm.status_code == 200
        assert f'<td class="value">{A1}</td>' in confirm.text
        assert 'id="confirm-delete"' in confirm.text
        assert 'id="confirm-delete-button"' in confirm.text
        assert held(emulator) != []
        form = {"csrf_token": csrf_of(confirm), "etag": etag_of(confirm)}
        deleted = post(console, set_page("app", "A", "delete"), form)
        assert deleted.status_code == 303
        assert deleted.headers["location"] == f"{ZONE_PAGE}?done=deleted"
        assert held(emulator) == []
        zone = console.get(deleted.headers["location"])
        assert '<p class="success" role="status" id="done">' in zone.text
        assert rows(zone) == []

    def test_a_delete_of_a_changed_set_shows_the_conflict(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        confirm = console.get(set_page("app", "A", "delete"))
        put_set(console, auth, "app", "A", A3)
        form = {"csrf_token": csrf_of(confirm), "etag": etag_of(confirm)}
        answer = post(console, set_page("app", "A", "delete"), form)
        assert answer.status_code == 412
        assert 'id="conflict"' in answer.text
        assert f'<td class="value">{A3}</td>' in answer.text
        assert held(emulator) == [("app", "A", A3, TTL)]


# --- safety ---------------------------------------------------------------------------------


class TestSafety:
    @pytest.mark.parametrize("step", ["preview", "apply", "delete"])
    def test_a_form_without_its_csrf_token_is_refused(
        self, console: TestClient, auth: Auth, emulator: RunningEmulator, step: str
    ) -> None:
        put_set(console, auth, "app", "A", A1)
        etag = etag_of(console.get(set_page("app", "A")))
        answer = post(console, set_page("app", "A", step), {"etag": etag, "values": A2})
        assert answer.status_code == 403
        assert held(emulator) == [("app", "A", A1, TTL)]

    def test_a_new_set_without_its_csrf_token_is_refused(
        self, console: TestClient, emulator: RunningEmulator
    ) -> None:
        form = {"csrf_token": "forged", "name": "app", "type": "A", "values": A1}
        assert post(console, f"{ZONE_PAGE}/new/apply", form).status_code == 403
        assert held(emulator) == []

    def test_a_script_in_a_txt_value_is_shown_as_text(
        self, console: TestClient, emulator: RunningEmulator
    ) -> None:
        applied = create(console, "apply", name="xss", type="TXT", values=XSS)
        assert applied.status_code == 303
        assert held(emulator) == [("xss", "TXT", f'"{XSS}"', TTL)]  # TXT is stored quoted
        escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
        for path in (ZONE_PAGE, set_page("xss", "TXT"), set_page("xss", "TXT", "delete")):
            page = console.get(path)
            assert escaped in page.text, path
            assert "<script>alert" not in page.text, path
        preview = edit(console, "xss", "TXT", "preview", f"{XSS}\nplain")
        assert escaped in preview.text
        assert "<script>alert" not in preview.text


class TestScopedTokens:
    def test_a_scoped_token_sees_only_what_it_may_read(
        self, client: TestClient, auth: Auth, signed_in_as: Callable[[str], TestClient]
    ) -> None:
        put_set(client, auth, "app-1", "A", A1)
        put_set(client, auth, "app-1", "TXT", "secret")
        put_set(client, auth, "db", "A", A2)
        token = mint(client, auth, grant("app-*", ["read", "create", "update", "delete"]))
        console = signed_in_as(token)
        zones = console.get("/console/zones")
        assert re.findall(r'class="zone-link" href="([^"]+)"', zones.text) == [ZONE_PAGE]
        listed = console.get(ZONE_PAGE)
        assert rows(listed) == [("app-1", "A")]
        assert "secret" not in listed.text
        assert A2 not in listed.text
        assert console.get(set_page("db", "A")).status_code == 404
        assert console.get(set_page("app-1", "TXT")).status_code == 404
        assert console.get(set_page("app-1", "A")).status_code == 200

    def test_a_scoped_token_edits_what_it_may(
        self,
        client: TestClient,
        auth: Auth,
        signed_in_as: Callable[[str], TestClient],
        emulator: RunningEmulator,
    ) -> None:
        put_set(client, auth, "app-1", "A", A1)
        token = mint(client, auth, grant("app-*", ["read", "create", "update", "delete"]))
        console = signed_in_as(token)
        answer = edit(console, "app-1", "A", "apply", A2)
        assert answer.status_code == 303
        assert held(emulator) == [("app-1", "A", A2, TTL)]
        refused = create(console, "preview", name="db", type="A", values=A1)
        assert refused.status_code == 403
        assert 'id="problem"' in refused.text
