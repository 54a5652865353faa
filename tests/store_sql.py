"""One SQL statement straight into a test's store (GeoPackage or PostGIS), past GeoInsight: for
a fixture that bends a stored figure or breaks a table."""

from __future__ import annotations

import sqlite3

import psycopg

from geoinsight.settings import Settings


def execute_in_store(settings: Settings, statement: str, params: tuple[object, ...]) -> int:
    """Run ``statement`` (``?`` placeholders) on the store the settings choose; the rows it
    changed."""
    if settings.database_url:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            return conn.execute(statement.replace("?", "%s"), params).rowcount
    db = sqlite3.connect(settings.store_path)
    try:
        with db:
            return db.execute(statement, params).rowcount
    finally:
        db.close()
