"""Every read of internal or restricted data is in the audit log; the log cannot be changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import psycopg
import pytest
from flask import Flask
from web.tiers import CODE, QUERY

from geoinsight.privacy.audit import AuditLog

Token = Callable[[str, str], dict[str, str]]


def log_of(app: Flask) -> AuditLog:
    return app.extensions["geoinsight"].audit  # type: ignore[no-any-return]


def test_protected_reads_are_logged_open_ones_not(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    staff = token_for("els", "staff")
    assert client.get("/api/layers/population_density/values" + QUERY,
                      headers=staff).status_code == 200
    assert log_of(tiered_app).entries().empty  # open data: nothing to log
    assert client.get("/api/layers/zz_internal_layer/values" + QUERY + "&format=csv",
                      headers=staff).status_code == 200
    entries = log_of(tiered_app).entries()
    assert len(entries) == 1
    entry = entries.iloc[0]
    assert (entry["who"], entry["tier"], entry["area"]) == ("els", "internal", "GM0503")
    assert "zz_internal_layer" in entry["what"] and "csv" in entry["what"]
    assert entry["route"].startswith("/api/layers/zz_internal_layer/values")
    assert entry["from_addr"] == "127.0.0.1"


def test_refused_reads_are_not_logged_as_reads(tiered_app: Flask) -> None:
    client = tiered_app.test_client()
    assert client.get("/api/layers/zz_restricted_layer/values" + QUERY).status_code == 404
    assert log_of(tiered_app).entries().empty


def test_profile_with_protected_layers_is_logged(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    auth = token_for("rik", "ondermijning")
    assert client.get(f"/areas/{CODE}", headers=auth).status_code == 200
    entry = log_of(tiered_app).entries().iloc[0]
    assert (entry["who"], entry["tier"], entry["area"]) == ("rik", "restricted", CODE)


def test_only_beheerder_sees_the_log(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    staff, admin = token_for("els", "staff"), token_for("bea", "beheerder")
    client.get("/api/layers/zz_internal_layer/values" + QUERY, headers=staff)
    unknown = client.get("/no-such-page", headers={"Accept": "application/json"})
    for headers in ({}, staff):
        for url in ("/audit", "/api/audit"):
            refused = client.get(url, headers={**headers, "Accept": "application/json"})
            assert (refused.status_code, refused.get_json()) == (404, unknown.get_json())
    page = client.get("/audit", headers=admin)
    assert page.status_code == 200 and "zz_internal_layer" in page.get_data(as_text=True)
    export = client.get("/api/audit?format=csv", headers=admin)
    assert export.mimetype == "text/csv" and "els,layer values zz_internal_layer" in \
        export.get_data(as_text=True)


def test_the_log_cannot_be_altered(tiered_app: Flask, token_for: Token) -> None:
    client = tiered_app.test_client()
    client.get("/api/layers/zz_internal_layer/values" + QUERY, headers=token_for("els", "staff"))
    log = log_of(tiered_app)
    # straight into the database the log lives in (SQLite file or PostgreSQL), past the app
    for statement in ("DELETE FROM audit", "UPDATE audit SET who = 'nobody'"):
        with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"), \
                log.db.transaction() as conn:
            conn.execute(statement)
    assert log.entries().iloc[0]["who"] == "els"
    # and the application offers no way to change it: the audit routes only read
    methods = {m for rule in tiered_app.url_map.iter_rules() if "audit" in rule.endpoint
               for m in rule.methods or set()}
    assert methods <= {"GET", "HEAD", "OPTIONS"}
