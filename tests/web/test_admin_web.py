"""The beheerder's pages: ingest uploads as background jobs, the data page and removing a source,
users and roles; everyone else gets the unknown-address answer."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoinsight.privacy.accounts import open_accounts
from geoinsight.settings import Settings
from geoinsight.store import open_store
from geoinsight.web import create_app

Token = Callable[[str, str], dict[str, str]]
JSON = {"Accept": "application/json"}
TABLE = (b"gwb_code,jaar,aantal_inwoners\nGM0503,2031,105000\nXX12,2031,5\n"
         b"WK050301,2031,9000\n")

#: every admin address, with a method it takes and one it does not
ADMIN_CALLS = [("GET", "/admin"), ("POST", "/admin"), ("GET", "/admin/users"),
               ("POST", "/admin/ingest"), ("GET", "/admin/ingest"), ("GET", "/admin/jobs/x"),
               ("GET", "/admin/jobs/x/rejects.csv"), ("POST", "/admin/ingests/1/remove"),
               ("POST", "/admin/users/add"), ("POST", "/admin/users/bea/roles"),
               ("POST", "/admin/users/bea/password"), ("POST", "/admin/users/bea/tokens"),
               ("POST", "/admin/users/bea/remove"), ("DELETE", "/admin/users/bea/remove")]


def upload(client: FlaskClient, headers: dict[str, str], kind: str, name: str, body: bytes,
           **options: str) -> tuple[int, dict[str, object]]:
    answer = client.post("/admin/ingest", headers={**headers, **JSON}, data={
        "kind": kind, "file": (io.BytesIO(body), name), **options},
        content_type="multipart/form-data")
    return answer.status_code, answer.get_json()


def finished(app: Flask, client: FlaskClient, headers: dict[str, str],
             job: str) -> dict[str, object]:
    assert app.extensions["geoinsight.jobs"][1].join(timeout=120)
    answer = client.get(f"/admin/jobs/{job}", headers={**headers, **JSON})
    assert answer.status_code == 200
    body: dict[str, object] = answer.get_json()
    return body


def test_everyone_but_the_beheerder_gets_the_unknown_address_answer(
        app: Flask, token_for: Token) -> None:
    client = app.test_client()
    unknown = client.get("/no-such-page", headers=JSON)
    callers = [{}, token_for("els", "staff"), token_for("ana", "analist"),
               token_for("rik", "ondermijning")]
    for headers in callers:
        for method, url in ADMIN_CALLS:
            refused = client.open(url, method=method, headers={**headers, **JSON})
            assert (refused.status_code, refused.get_json()) == (404, unknown.get_json()), \
                (method, url)
    page = client.get("/", headers=callers[1]).get_data(as_text=True)
    assert 'href="/admin"' not in page  # no link to it either
    admin = token_for("bea", "beheerder")
    assert client.get("/admin", headers=admin).status_code == 200
    assert 'href="/admin"' in client.get("/", headers=admin).get_data(as_text=True)
    assert client.get("/admin/ingest", headers={**admin, **JSON}).status_code == 405


def test_an_upload_is_the_cli_ingest_run_as_a_job(app: Flask, token_for: Token,
                                                  demo_settings: Settings) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    before = open_store(demo_settings).version()
    status, body = upload(client, admin, "indicators", "mini.csv", TABLE, year="2031")
    assert status == 202 and set(body) == {"job", "url"}
    job = finished(app, client, admin, str(body["job"]))
    assert (job["state"], job["stage"], job["read"], job["stored"], job["rejected"]) == (
        "done", "stored", 3, 2, 1)
    assert str(job["summary"]).startswith("indicators mini.csv: read 3, stored 2")
    assert job["options"] == {"year": 2031, "boundaries": None}
    assert open_store(demo_settings).version() != before
    values = open_store(demo_settings).values(codes=["GM0503"], year=2031)
    assert values["value"].tolist() == [105000.0]
    rejects = client.get(str(job["rejects_url"]), headers=admin)
    assert rejects.mimetype == "text/csv"
    lines = rejects.get_data(as_text=True).splitlines()
    assert lines[0] == "row,code,reason" and "line 3,XX12,no valid CBS area code" in lines
    assert not list((demo_settings.data_dir / "uploads").iterdir())  # the upload is gone
    page = client.get("/admin", headers=admin).get_data(as_text=True)
    assert "mini.csv" in page and "Recente inleesopdrachten" in page
    audit = app.extensions["geoinsight"].audit.entries()
    assert f"ingest indicators mini.csv (job {body['job']})" in audit["what"].tolist()


def test_a_bad_file_fails_the_job_and_changes_nothing(app: Flask, token_for: Token,
                                                     demo_settings: Settings) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    before = open_store(demo_settings).version()
    no_year = b"gwb_code,aantal_inwoners\nGM0503,105000\n"
    status, body = upload(client, admin, "indicators", "mini.csv", no_year)
    assert status == 202
    job = finished(app, client, admin, str(body["job"]))
    assert job["state"] == "failed" and job["stored"] is None
    assert str(job["error"]).startswith("no year in the file")
    assert str(job["error"]).endswith("(mini.csv)")  # named as uploaded, not where it lay
    assert open_store(demo_settings).version() == before


@pytest.mark.parametrize(("fields", "status", "code"), [
    ({"kind": "maps"}, 422, "bad_kind"),
    ({"kind": "indicators", "colour": "red"}, 422, "bad_option"),
    ({"kind": "indicators", "year": "next"}, 422, "bad_option"),
    ({"kind": "indicators", "year": "1066"}, 422, "bad_option"),
    ({"kind": "events", "tier": "secret"}, 422, "bad_option"),
    ({"kind": "raster"}, 422, "bad_option"),  # --name is required
    ({"kind": "indicators", "rejects": "/etc/passwd"}, 422, "bad_option"),  # not a web field
])
def test_bad_fields_are_refused_before_anything_runs(app: Flask, token_for: Token,
                                                     fields: dict[str, str], status: int,
                                                     code: str) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    answer = client.post("/admin/ingest", headers={**admin, **JSON},
                         data={**fields, "file": (io.BytesIO(TABLE), "t.csv")},
                         content_type="multipart/form-data")
    assert answer.status_code == status and answer.get_json()["error"]["code"] == code
    assert "geoinsight.jobs" not in app.extensions or not app.extensions[
        "geoinsight.jobs"][0].recent()


def test_no_file_and_too_large_files_are_refused(demo_settings: Settings,
                                                 token_for: Token) -> None:
    app = create_app(replace(demo_settings, ingest_max_upload_bytes=2000,
                             aggregate_max_upload_bytes=100))
    client, admin = app.test_client(), token_for("bea", "beheerder")
    missing = client.post("/admin/ingest", headers={**admin, **JSON},
                          data={"kind": "indicators"}, content_type="multipart/form-data")
    assert (missing.status_code, missing.get_json()["error"]["code"]) == (400, "no_file")
    big = TABLE + b"GM0518,2031,1\n" * 200
    assert upload(client, admin, "indicators", "big.csv", big)[0] == 413
    # between the app's limit for other requests (100 bytes) and this one: taken
    assert upload(client, admin, "indicators", "small.csv", TABLE, year="2031")[0] == 202
    app.extensions["geoinsight.jobs"][1].join(timeout=120)


def test_the_beheerder_removes_a_source(app: Flask, token_for: Token,
                                        demo_settings: Settings) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    _, body = upload(client, admin, "indicators", "mini.csv", TABLE, year="2031")
    ingest_id = finished(app, client, admin, str(body["job"]))["ingest_id"]
    page = client.get("/admin", headers=admin).get_data(as_text=True)
    assert f'action="/admin/ingests/{ingest_id}/remove"' in page
    removed = client.post(f"/admin/ingests/{ingest_id}/remove", headers={**admin, **JSON})
    assert removed.status_code == 200
    assert removed.get_json()["rows"]["indicator_values"] == 2  # GM0503 and WK050301
    assert open_store(demo_settings).values(year=2031).empty
    again = client.post(f"/admin/ingests/{ingest_id}/remove", headers={**admin, **JSON})
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "removal_refused")
    page = client.get("/admin", headers=admin).get_data(as_text=True)
    assert f'action="/admin/ingests/{ingest_id}/remove"' not in page
    assert "verwijderd (#" in page
    audit = app.extensions["geoinsight"].audit.entries()
    assert any(what.startswith(f"removed ingest {ingest_id} (indicators")
               for what in audit["what"])
    # a browser's form: back to the page, which says what went
    _, body = upload(client, admin, "indicators", "mini.csv", TABLE, year="2031")
    ingest_id = finished(app, client, admin, str(body["job"]))["ingest_id"]
    form = client.post(f"/admin/ingests/{ingest_id}/remove", headers=admin)
    assert form.status_code == 303
    shown = client.get(form.headers["Location"], headers=admin).get_data(as_text=True)
    assert f"Bron {ingest_id} (mini.csv) is verwijderd." in shown


def test_users_are_managed_end_to_end(app: Flask, token_for: Token,
                                      demo_settings: Settings) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    accounts = open_accounts(demo_settings)
    added = client.post("/admin/users/add", headers=admin, data={
        "name": "kees", "role": ["staff", "analist"], "password": "correct horse battery 42"})
    assert added.status_code == 303
    shown = client.get(added.headers["Location"], headers=admin).get_data(as_text=True)
    assert "Gebruiker kees is toegevoegd." in shown and 'id="user-kees"' in shown
    assert accounts.verify_password("kees", "correct horse battery 42") is not None
    weak = client.post("/admin/users/add", headers=admin,
                       data={"name": "piet", "role": "staff", "password": "piet"})
    assert weak.status_code == 422 or weak.status_code == 400
    assert "te zwak" in weak.get_data(as_text=True)
    assert client.post("/admin/users/kees/roles", headers=admin,
                       data={"role": "ondermijning"}).status_code == 303
    assert accounts.principal_for_user("kees").roles == frozenset({"ondermijning"})
    token = accounts.new_token("kees")
    assert client.post("/admin/users/kees/tokens", headers=admin).status_code == 303
    assert accounts.principal_for_token(token) is None
    assert client.post("/admin/users/kees/password", headers=admin,
                       data={"password": "another long passphrase 7"}).status_code == 303
    assert accounts.verify_password("kees", "another long passphrase 7") is not None
    assert client.post("/admin/users/kees/remove", headers=admin).status_code == 303
    assert accounts.principal_for_user("kees") is None
    whats = app.extensions["geoinsight"].audit.entries()["what"].tolist()
    for expected in ("user added: kees (analist, staff)", "roles of kees: ondermijning",
                     "API tokens revoked: kees (1)", "password set, sessions ended: kees",
                     "user removed: kees"):
        assert any(w.startswith(expected) for w in whats), expected
    assert all(who == "bea" for who in app.extensions["geoinsight"].audit.entries()["who"])


def test_nobody_locks_the_organisation_out(app: Flask, token_for: Token) -> None:
    client, admin = app.test_client(), token_for("bea", "beheerder")
    own = client.post("/admin/users/bea/roles", headers={**admin, **JSON},
                      data={"role": "staff"})
    assert (own.status_code, own.get_json()["error"]["code"]) == (400, "own_role")
    token_for("ria", "beheerder")
    client.post("/admin/users/ria/roles", headers=admin, data={"role": "beheerder"})
    assert client.post("/admin/users/ria/remove", headers=admin).status_code == 303
    page = client.post("/admin/users/bea/remove", headers=admin)
    assert page.status_code == 400 and "eigen beheerdersrol" in page.get_data(as_text=True)


def test_a_session_post_needs_the_csrf_token(app: Flask, demo_settings: Settings,
                                            tmp_path: Path) -> None:
    open_accounts(demo_settings).add_user("bea", ["beheerder"], "a long enough password")
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"name": "bea", "password": "a long enough password",
                                "csrf_token": token, "next": "/admin"})
    refused = client.post("/admin/users/add", headers=JSON, data={
        "name": "kees", "role": "staff", "password": "correct horse battery 42"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (400, "bad_csrf")
    page = client.get("/admin/users").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    done = client.post("/admin/users/add", data={
        "name": "kees", "role": "staff", "password": "correct horse battery 42",
        "csrf_token": token})
    assert done.status_code == 303
