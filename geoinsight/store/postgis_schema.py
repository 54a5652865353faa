"""The PostGIS store's schema, as numbered migrations applied once each, in order.

``schema_version`` records every migration applied. :func:`migrate` runs under an advisory
lock inside one transaction, so two processes opening a fresh database at once create it once,
and a failing migration leaves the database at the version before it.
"""

from __future__ import annotations

import psycopg

#: the advisory lock keys (pg_advisory_xact_lock): one for writes, one for migrations
WRITE_LOCK = 0x47494E53  # "GINS"
MIGRATION_LOCK = 0x47494D47  # "GIMG"
#: held (session-level) while one process fills an empty database with several ingests
FILL_LOCK = 0x47494649  # "GIFI"

_STATUS = "CHECK (status IN ('ok', 'missing', 'secret', 'estimated'))"

#: migration 1 is the schema of the GeoPackage store (gpkg_format) in PostgreSQL types; 2 and 3
#: are the accounts and the audit log, which live in this database too (geoinsight.privacy); 5
#: the web's ingest jobs (geoinsight.usecases.ingest_jobs)
MIGRATIONS: tuple[tuple[str, ...], ...] = ((
    """CREATE TABLE store_meta (generation uuid NOT NULL DEFAULT gen_random_uuid())""",
    "INSERT INTO store_meta DEFAULT VALUES",
    """CREATE TABLE ingest_log (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at text NOT NULL, kind text NOT NULL,
      file text NOT NULL, checksum text NOT NULL, year integer, rows_read integer NOT NULL,
      rows_stored integer NOT NULL, rows_repaired integer NOT NULL,
      rows_rejected integer NOT NULL, rows_skipped integer NOT NULL,
      notes text NOT NULL DEFAULT '')""",
    """CREATE TABLE ingest_rejects (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      ingest_id bigint NOT NULL REFERENCES ingest_log (id), row text NOT NULL,
      code text NOT NULL DEFAULT '', reason text NOT NULL)""",
    "CREATE INDEX ingest_rejects_ingest ON ingest_rejects (ingest_id)",
    """CREATE TABLE indicators (
      id text PRIMARY KEY, title_nl text NOT NULL, title_en text NOT NULL, unit text NOT NULL,
      kind text NOT NULL, tier text NOT NULL, source text NOT NULL, licence text NOT NULL,
      synthetic integer NOT NULL DEFAULT 0)""",
    f"""CREATE TABLE indicator_values (
      area_code text NOT NULL, year integer NOT NULL, indicator text NOT NULL,
      value double precision, status text NOT NULL {_STATUS}, ingest_id bigint NOT NULL,
      boundary_year integer, PRIMARY KEY (area_code, year, indicator))""",
    "CREATE INDEX values_indicator ON indicator_values (indicator, year)",
    """CREATE TABLE areas (
      code text NOT NULL, year integer NOT NULL,
      level text NOT NULL CHECK (level IN ('gemeente', 'wijk', 'buurt')), name text,
      gemeente_code text, wijk_code text, gemeente_name text, ingest_id bigint NOT NULL,
      geom geometry(MultiPolygon, 28992) NOT NULL, PRIMARY KEY (code, year))""",
    "CREATE INDEX areas_level_year ON areas (level, year, gemeente_code)",
    "CREATE INDEX areas_geom ON areas USING gist (geom)",
    """CREATE TABLE addresses (
      vbo_id text PRIMARY KEY, postcode text, huisnummer integer, huisletter text,
      toevoeging text, gebruiksdoel text, bouwjaar integer, status text,
      oppervlakte double precision, ingest_id bigint NOT NULL,
      geom geometry(Point, 28992) NOT NULL)""",
    "CREATE INDEX addresses_key ON addresses (postcode, huisnummer)",
    "CREATE INDEX addresses_geom ON addresses USING gist (geom)",
    """CREATE TABLE energy_labels (
      vbo_id text PRIMARY KEY, energy_class text NOT NULL, energy_index double precision,
      building_class text, building_type text, building_subtype text, method text,
      assessed text, registered text, valid_until text, located_by text NOT NULL,
      synthetic integer NOT NULL DEFAULT 0, ingest_id bigint NOT NULL)""",
    """CREATE TABLE point_areas (
      point_set text NOT NULL, point_id text NOT NULL, level text NOT NULL,
      boundary_year integer NOT NULL, area_code text NOT NULL,
      PRIMARY KEY (point_set, point_id, level, boundary_year))""",
    "CREATE INDEX point_areas_area ON point_areas (point_set, level, boundary_year, area_code)",
    """CREATE TABLE area_register (
      code text NOT NULL, year integer NOT NULL, level text NOT NULL, name text,
      changed integer, ingest_id bigint NOT NULL, PRIMARY KEY (code, year))""",
    """CREATE TABLE area_links (
      code text NOT NULL, year_a integer NOT NULL, year_b integer NOT NULL,
      relation text NOT NULL CHECK (relation IN ('same', 'different', 'unproven')),
      reason text NOT NULL DEFAULT '', PRIMARY KEY (code, year_a, year_b))""",
    """CREATE TABLE event_registers (
      name text PRIMARY KEY, title_nl text NOT NULL, title_en text NOT NULL,
      theme text NOT NULL,
      tier text NOT NULL CHECK (tier IN ('open', 'internal', 'restricted')),
      classes text NOT NULL, categories text NOT NULL, source_file text NOT NULL,
      synthetic integer NOT NULL DEFAULT 0, ingested_at text NOT NULL,
      ingest_id bigint NOT NULL)""",
), (
    # 2: the accounts (geoinsight.privacy.accounts), shared by every app server; names compare
    # without regard to case, as SQLite's COLLATE NOCASE does
    """CREATE COLLATION IF NOT EXISTS nocase
      (provider = icu, locale = 'und-u-ks-level2', deterministic = false)""",
    """CREATE TABLE users (
      name text COLLATE nocase PRIMARY KEY, roles text NOT NULL, password_hash text NOT NULL,
      created text NOT NULL, disabled integer NOT NULL DEFAULT 0)""",
    """CREATE TABLE api_tokens (
      token_hash text PRIMARY KEY,
      user_name text COLLATE nocase NOT NULL REFERENCES users (name) ON DELETE CASCADE,
      created text NOT NULL, last_used text)""",
    "CREATE INDEX api_tokens_user ON api_tokens (user_name)",
    """CREATE TABLE sessions (
      id_hash text PRIMARY KEY,
      user_name text COLLATE nocase NOT NULL REFERENCES users (name) ON DELETE CASCADE,
      created text NOT NULL, expires double precision NOT NULL)""",
    "CREATE INDEX sessions_user ON sessions (user_name)",
    """CREATE TABLE sign_in_failures (
      name text COLLATE nocase PRIMARY KEY, failures integer NOT NULL, locked text)""",
    """CREATE TABLE hits (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, scope text NOT NULL,
      key text NOT NULL, at double precision NOT NULL)""",
    "CREATE INDEX hits_key ON hits (scope, key, at)",
    "CREATE INDEX hits_at ON hits (scope, at)",
), (
    # 3: the audit log (geoinsight.privacy.audit); a trigger refuses UPDATE, DELETE and
    # TRUNCATE for every role, the table owner's included
    """CREATE TABLE audit (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at text NOT NULL, who text NOT NULL,
      what text NOT NULL, tier text NOT NULL, area text NOT NULL DEFAULT '',
      route text NOT NULL, from_addr text NOT NULL DEFAULT '',
      area_bbox text NOT NULL DEFAULT '', area_m2 double precision, area_vertices integer,
      area_sha256 text NOT NULL DEFAULT '')""",
    """CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit
      FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
), (
    # 4: rasters (geoinsight.rasters): the definitions; the files lie in the data folder
    """CREATE TABLE rasters (
      name text PRIMARY KEY, title_nl text NOT NULL, title_en text NOT NULL,
      unit text NOT NULL, theme text NOT NULL,
      tier text NOT NULL CHECK (tier IN ('open', 'internal', 'restricted')),
      about text NOT NULL CHECK (about IN ('land', 'persons')), band integer NOT NULL,
      thresholds text NOT NULL, year integer NOT NULL, source text NOT NULL,
      licence text NOT NULL, source_file text NOT NULL, checksum text NOT NULL,
      file text NOT NULL, detail text NOT NULL, synthetic integer NOT NULL DEFAULT 0,
      ingested_at text NOT NULL, ingest_id bigint NOT NULL)""",
), (
    # 5: the web's ingest jobs (geoinsight.usecases.ingest_jobs), shared by every app server
    """CREATE TABLE ingest_jobs (
      id text PRIMARY KEY, kind text NOT NULL, file text NOT NULL, bytes bigint NOT NULL,
      who text NOT NULL, options text NOT NULL, created text NOT NULL, updated text NOT NULL,
      state text NOT NULL, stage text NOT NULL DEFAULT '', rows_read bigint NOT NULL DEFAULT 0,
      rows_stored bigint, rows_rejected bigint NOT NULL DEFAULT 0, ingest_id bigint,
      summary text NOT NULL DEFAULT '', error text NOT NULL DEFAULT '',
      rejects_file text NOT NULL DEFAULT '', heartbeat double precision NOT NULL DEFAULT 0)""",
))


def migrate(conn: psycopg.Connection) -> int:
    """Bring the database to the newest schema; returns the version it is at."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
            conn.execute("CREATE EXTENSION postgis")
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
                     " applied_at timestamptz NOT NULL DEFAULT now())")
        row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        current = int(row[0]) if row else 0
        for number, statements in enumerate(MIGRATIONS, start=1):
            if number <= current:
                continue
            for statement in statements:
                conn.execute(statement)  # constant DDL, no values
            conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (number,))
        return len(MIGRATIONS)
