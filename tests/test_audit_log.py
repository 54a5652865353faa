"""The audit log on both places it lives (a SQLite file, PostgreSQL): rows kept, append only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

from geoinsight.privacy.audit import AuditLog, CustomArea, Read


def _run_sql(location: Path | str, statement: str) -> None:
    """Run SQL on the log's tables directly, as someone with the database in hand would."""
    if isinstance(location, Path):
        with sqlite3.connect(location) as conn:
            conn.execute(statement)
    else:
        with psycopg.connect(location, autocommit=True) as conn:
            conn.execute(statement)


def test_reads_are_kept_newest_first(audit_location: Path | str) -> None:
    log = AuditLog(audit_location)
    assert log.entries().empty
    area = CustomArea((1.0, 2.0, 3.0, 4.0), 4.04, 5, "ab" * 32)
    log.record("jan", "/api/aggregate", "192.0.2.1", [Read("aggregate", "internal", custom=area)])
    log.record("piet", "/api/areas/BU1", "192.0.2.2", [Read("profile", "restricted", "BU1")])
    log.record("piet", "/nothing", "192.0.2.2", [])
    entries = log.entries()
    assert list(entries["who"]) == ["piet", "jan"]
    assert entries.loc[0, "area"] == "BU1" and entries.loc[0, "area_vertices"] is None
    assert entries.loc[1, "area_bbox"] == "1.00,2.00,3.00,4.00"
    assert entries.loc[1, "area_vertices"] == 5 and entries.loc[1, "area_m2"] == 4.0
    assert list(log.entries(limit=1)["who"]) == ["piet"]


@pytest.mark.parametrize("statement", ["UPDATE audit SET who = 'someone else'",
                                       "DELETE FROM audit"])
def test_no_one_changes_what_was_recorded(audit_location: Path | str, statement: str) -> None:
    log = AuditLog(audit_location)
    log.record("jan", "/api/areas/BU1", "192.0.2.1", [Read("profile", "restricted", "BU1")])
    with pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"):
        _run_sql(audit_location, statement)
    assert list(log.entries()["who"]) == ["jan"]


def test_truncate_is_refused_on_postgresql(pg_url: str) -> None:
    log = AuditLog(pg_url)
    log.record("jan", "/api/areas/BU1", "192.0.2.1", [Read("profile", "restricted", "BU1")])
    with pytest.raises(psycopg.Error, match="append-only"):
        _run_sql(pg_url, "TRUNCATE audit")
    assert len(log.entries()) == 1
