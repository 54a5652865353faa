"""Ingests run for the web's data page: a job per uploaded file, its progress kept where every
server process can read it.

A job is a row in ``<data dir>/jobs.sqlite`` (or the table ``ingest_jobs`` of the PostgreSQL
database of ``GEOINSIGHT_DATABASE_URL``): queued, running, done or failed, with the stage, the
rows read, stored and rejected so far, the summary lines and the rejects report. The process
that received the upload runs it in its one ingest thread (:class:`JobRunner`), one job at a
time, through :func:`~geoinsight.usecases.ingest_file.run_ingest`, the CLI's ingest. A running
job beats its heart every few seconds; a job whose heart stopped (the server was stopped or
killed) reads as failed, and since every ingest writes all or nothing, the store is as it was.
"""

from __future__ import annotations

import json
import queue
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geoinsight.errors import GeoInsightError
from geoinsight.ingest.progress import Progress, watching
from geoinsight.privacy.sqldb import Connection, Database, open_database
from geoinsight.settings import Settings
from geoinsight.store import Store
from geoinsight.usecases.ingest_file import run_ingest

FILENAME = "jobs.sqlite"
STATES = ("queued", "running", "done", "failed")
#: seconds between a running job's heartbeats; after STALE_AFTER without one it has failed
HEARTBEAT = 5.0
STALE_AFTER = 60.0
COLUMNS = ("id", "kind", "file", "bytes", "who", "options", "created", "updated", "state",
           "stage", "rows_read", "rows_stored", "rows_rejected", "ingest_id", "summary",
           "error", "rejects_file", "heartbeat")
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS ingest_jobs (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, file TEXT NOT NULL, bytes INTEGER NOT NULL,
    who TEXT NOT NULL, options TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL,
    state TEXT NOT NULL, stage TEXT NOT NULL DEFAULT '', rows_read INTEGER NOT NULL DEFAULT 0,
    rows_stored INTEGER, rows_rejected INTEGER NOT NULL DEFAULT 0, ingest_id INTEGER,
    summary TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
    rejects_file TEXT NOT NULL DEFAULT '', heartbeat REAL NOT NULL DEFAULT 0)
"""


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    file: str
    bytes: int
    who: str
    options: dict[str, Any]
    created: str
    updated: str
    state: str
    stage: str
    rows_read: int
    rows_stored: int | None
    rows_rejected: int
    ingest_id: int | None
    summary: str
    error: str
    rejects_file: str

    def as_json(self) -> dict[str, Any]:
        """The answer of ``GET /admin/jobs/<id>``."""
        return {"job": self.id, "state": self.state, "stage": self.stage, "kind": self.kind,
                "file": self.file, "bytes": self.bytes, "who": self.who,
                "options": self.options, "created": self.created, "updated": self.updated,
                "read": self.rows_read, "stored": self.rows_stored,
                "rejected": self.rows_rejected, "ingest_id": self.ingest_id,
                "summary": self.summary, "error": self.error,
                "rejects": bool(self.rejects_file)}


class JobLog:
    """The jobs, in a SQLite file or the PostgreSQL database (see the module docstring)."""

    def __init__(self, location: Path | str) -> None:
        self.db: Database = open_database(location, wal=True)
        self.db.setup(lambda conn: conn.execute(SQLITE_SCHEMA))

    def create(self, kind: str, file: str, size: int, who: str,
               options: Mapping[str, Any]) -> str:
        job_id = secrets.token_urlsafe(12)
        now = _now()
        with self.db.transaction() as conn:
            conn.execute("INSERT INTO ingest_jobs (id, kind, file, bytes, who, options, created,"
                         " updated, state) VALUES (?,?,?,?,?,?,?,?,'queued')",
                         (job_id, kind, file, size, who, json.dumps(dict(options)), now, now))
        return job_id

    def update(self, job_id: str, **values: Any) -> None:
        values = {"updated": _now(), "heartbeat": time.time(), **values}
        unknown = set(values) - set(COLUMNS)
        if unknown:
            raise ValueError(f"no job column {sorted(unknown)}")
        sets = ", ".join(f"{name} = ?" for name in values)
        with self.db.transaction() as conn:
            conn.execute(f"UPDATE ingest_jobs SET {sets} WHERE id = ?",
                         (*values.values(), job_id))

    def get(self, job_id: str) -> Job | None:
        with self.db.connect() as conn:
            row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM ingest_jobs WHERE id = ?",
                               (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def recent(self, limit: int = 20) -> list[Job]:
        with self.db.connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM ingest_jobs ORDER BY created"
                                f" DESC, id LIMIT {int(limit)}").fetchall()
        return [_job(r) for r in rows]


def _job(row: Any) -> Job:
    values = {name: row[name] for name in COLUMNS}
    values["options"] = json.loads(values["options"] or "{}")
    heartbeat = float(values.pop("heartbeat") or 0)
    if values["state"] == "running" and time.time() - heartbeat > STALE_AFTER:
        values["state"] = "failed"
        values["error"] = ("the server stopped during the ingest; the store is unchanged "
                           "(an ingest is stored whole or not at all): upload the file again")
    return Job(**values)


def open_job_log(settings: Settings) -> JobLog:
    return JobLog(settings.database_url or settings.data_dir / FILENAME)


def runner_for(settings: Settings, log: JobLog) -> JobRunner:
    """A runner whose jobs write to the store the settings name (and, first, the upload
    folders a stopped process left behind are removed)."""
    from geoinsight.store import open_store

    remove_stale_uploads(uploads_dir(settings))
    return JobRunner(settings, log, lambda: open_store(settings))


#: an upload folder untouched for this long belongs to no running job (a job's folder goes
#: when it ends; one left behind was a process's that was stopped during its job)
STALE_UPLOAD_SECONDS = 86_400.0


def remove_stale_uploads(folder: Path, now: float | None = None) -> int:
    """Remove upload folders older than :data:`STALE_UPLOAD_SECONDS`; how many there were."""
    if not folder.is_dir():
        return 0
    limit = (now if now is not None else time.time()) - STALE_UPLOAD_SECONDS
    stale = [p for p in folder.iterdir() if p.is_dir() and p.stat().st_mtime < limit]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return len(stale)


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


@dataclass
class _Task:
    job_id: str
    kind: str
    path: Path
    options: dict[str, Any]


@dataclass
class JobRunner:
    """This process's ingest thread: runs the queued jobs one after the other."""

    settings: Settings
    log: JobLog
    open_store: Callable[[], Store]
    _queue: queue.Queue[_Task] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def submit(self, job_id: str, kind: str, path: Path, options: dict[str, Any]) -> None:
        self._queue.put(_Task(job_id, kind, path, options))
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="ingest-jobs",
                                                daemon=True)
                self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait until every submitted job has finished (tests, shutdown); True if they have."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _work(self) -> None:
        while True:
            task = self._queue.get()
            try:
                self._run(task)
            finally:
                self._queue.task_done()

    def _run(self, task: _Task) -> None:
        log, job_id = self.log, task.job_id
        log.update(job_id, state="running", stage="reading")
        beating = threading.Event()
        heart = threading.Thread(target=self._beat, args=(job_id, beating), daemon=True)
        heart.start()

        def progress(p: Progress) -> None:
            log.update(job_id, stage=p.stage, rows_read=p.read, rows_rejected=p.rejected,
                       rows_stored=p.stored)

        try:
            with watching(progress):
                outcome = run_ingest(self.open_store(), self.settings.data_dir, task.kind,
                                     task.path, task.options)
        except GeoInsightError as exc:  # named by the uploaded file's name, not where it lay
            log.update(job_id, state="failed",
                       error=exc.one_line().replace(str(task.path), task.path.name))
        except Exception as exc:  # a bug or an unforeseen input: one line, like the CLI
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            log.update(job_id, state="failed",
                       error=f"unexpected {type(exc).__name__}: {first}")
        else:
            result = outcome.result
            log.update(job_id, state="done", stage="stored", rows_read=result.counts.read,
                       rows_stored=result.counts.stored, rows_rejected=result.counts.rejected,
                       ingest_id=result.ingest_id,
                       summary="\n".join(outcome.lines[:1] + [
                           line for line in outcome.lines[1:]
                           if not line.startswith("rejected rows:")]
                           + [f"warning: {w}" for w in outcome.warnings]),
                       rejects_file=str(outcome.rejects_file or ""))
        finally:
            beating.set()
            shutil.rmtree(task.path.parent, ignore_errors=True)

    def _beat(self, job_id: str, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT):
            try:
                with self.log.db.transaction() as conn:
                    _touch(conn, job_id)
            except self.log.db.busy:
                continue


def _touch(conn: Connection, job_id: str) -> None:
    conn.execute("UPDATE ingest_jobs SET heartbeat = ? WHERE id = ?", (time.time(), job_id))
