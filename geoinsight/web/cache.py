"""The answer cache: finished answers (body, gzipped body, ETag), shared by the processes.

An expensive answer (layer values, area geometry, OGC tables, signals) is made once per key and
kept, compressed, where every server process finds it: in files under ``<data dir>/cache`` by
default, in Redis when ``redis_url`` is set. The key (built in :mod:`geoinsight.web.http`)
holds the store version, so an ingest makes every older entry unreachable; those age out (the
least recently used files are removed past ``cache_max_bytes``; Redis entries expire after
``cache_ttl`` seconds and fall under Redis' own ``maxmemory`` policy). A small LRU in each
process, bounded in bytes (``cache_memory_bytes``), spares a read of the file or of Redis.

An answer also carries the audit reads that making it recorded, so a request served from the
cache is audited exactly as the one that made it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import struct
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from geoinsight.settings import Settings

log = logging.getLogger(__name__)

_MAGIC = b"GIA1"
_HEAD = struct.Struct(">4sI")

#: content types that are compressed already: gzip would only add a second copy
_PACKED = ("image/png", "image/jpeg", "image/webp", "application/zip", "application/gzip")
#: an audit read an answer made: (what, tier, area)
ReadNote = tuple[str, str, str]


@dataclass(frozen=True)
class Answer:
    body: bytes
    #: the body gzipped; empty for a body that is compressed already (a PNG tile), which is
    #: kept once and sent as it is
    zipped: bytes
    etag: str  # strong, of the uncompressed body
    headers: tuple[tuple[str, str], ...]  # Content-Type and the view's own headers
    reads: tuple[ReadNote, ...] = ()

    @classmethod
    def of(cls, body: bytes, headers: tuple[tuple[str, str], ...],
           reads: tuple[ReadNote, ...] = ()) -> Answer:
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        zipped = b"" if kind.startswith(_PACKED) else gzip.compress(body, 6, mtime=0)
        return cls(body, zipped, etag_of(body), headers, reads)

    @property
    def size(self) -> int:
        return len(self.body) + len(self.zipped) + 256

    def dumps(self) -> bytes:
        head = json.dumps({"etag": self.etag, "headers": self.headers, "reads": self.reads,
                           "body": len(self.body)}).encode()
        return _HEAD.pack(_MAGIC, len(head)) + head + self.body + self.zipped

    @classmethod
    def loads(cls, data: bytes) -> Answer | None:
        """The answer in ``data``, or None for anything that is not a whole one."""
        try:
            magic, length = _HEAD.unpack_from(data)
            if magic != _MAGIC:
                return None
            head = json.loads(data[_HEAD.size:_HEAD.size + length])
            rest = data[_HEAD.size + length:]
            body, zipped = rest[:head["body"]], rest[head["body"]:]
            if len(body) != head["body"]:
                return None
            return cls(body, zipped, str(head["etag"]),
                       tuple((str(k), str(v)) for k, v in head["headers"]),
                       tuple((str(w), str(t), str(a)) for w, t, a in head["reads"]))
        except (struct.error, ValueError, KeyError, TypeError):
            return None


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


class Backend(Protocol):
    def get(self, key: str) -> Answer | None: ...

    def put(self, key: str, answer: Answer) -> None: ...


class FileBackend:
    """One file per answer, written to a temporary file and renamed into place (a reader in
    another process sees a whole answer or none); a read touches the file's time, and past
    ``max_bytes`` the least recently used files go.

    The folder is scanned after a write that would pass the bound by this process's running
    count, and after every :attr:`RESCAN` writes (other processes write too), so a write costs
    no scan of a large folder while the bound holds.
    """

    RESCAN = 32

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        root.mkdir(parents=True, exist_ok=True)
        self._held: int | None = None  # bytes in the folder as last counted, plus own writes
        self._writes = 0

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.answer"

    def get(self, key: str) -> Answer | None:
        path = self._path(key)
        try:
            data = path.read_bytes()
            os.utime(path)  # recently used
        except OSError:
            return None
        return Answer.loads(data)

    def put(self, key: str, answer: Answer) -> None:
        data = answer.dumps()
        if len(data) > self.max_bytes:
            return
        try:  # a cache that cannot be written (folder removed, disk full) only costs speed
            self.root.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        except OSError as exc:
            log.warning("answer cache: cannot write in %s: %s", self.root, exc)
            return
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, self._path(key))
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            log.warning("answer cache: cannot write in %s: %s", self.root, exc)
            return
        self._writes += 1
        if (self._held is None or self._held + len(data) > self.max_bytes
                or self._writes % self.RESCAN == 0):
            self.evict()
        else:
            self._held += len(data)

    def evict(self) -> None:
        """Remove the least recently used answers until the rest fit in ``max_bytes``."""
        entries = []
        for entry in os.scandir(self.root):
            if entry.name.endswith(".answer"):
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                entries.append((stat.st_mtime_ns, stat.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            Path(path).unlink(missing_ok=True)
            total -= size
        self._held = total

    def size(self) -> int:
        return sum(e.stat().st_size for e in os.scandir(self.root) if e.name.endswith(".answer"))


class RedisBackend:
    """Answers under ``prefix + key`` with a time to live; Redis' ``maxmemory`` (with an LRU
    eviction policy) bounds the whole. A Redis that fails is a miss, logged, never an error."""

    def __init__(self, url: str, prefix: str, ttl: int) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.prefix = prefix
        self.ttl = ttl
        self._errors = redis.RedisError

    def get(self, key: str) -> Answer | None:
        try:
            data = self.client.get(self.prefix + key)
        except self._errors as exc:
            log.warning("answer cache: redis read failed: %s", exc)
            return None
        return Answer.loads(data) if isinstance(data, bytes) else None

    def put(self, key: str, answer: Answer) -> None:
        try:
            self.client.set(self.prefix + key, answer.dumps(), ex=self.ttl)
        except self._errors as exc:
            log.warning("answer cache: redis write failed: %s", exc)


class AnswerCache:
    """A backend with a small LRU in front, bounded in bytes (``memory_bytes``)."""

    def __init__(self, backend: Backend, memory_bytes: int) -> None:
        self.backend = backend
        self.memory_bytes = memory_bytes
        self._memory: OrderedDict[str, Answer] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    @classmethod
    def for_settings(cls, settings: Settings) -> AnswerCache:
        backend: Backend
        if settings.redis_url:
            backend = RedisBackend(settings.redis_url, settings.redis_prefix, settings.cache_ttl)
        else:
            backend = FileBackend(settings.cache_dir or settings.data_dir / "cache",
                                  settings.cache_max_bytes)
        return cls(backend, settings.cache_memory_bytes)

    def get(self, key: str) -> Answer | None:
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return found
        found = self.backend.get(key)
        if found is not None:
            self._remember(key, found)
        return found

    def put(self, key: str, answer: Answer) -> None:
        self.backend.put(key, answer)
        self._remember(key, answer)

    def _remember(self, key: str, answer: Answer) -> None:
        if answer.size > self.memory_bytes:
            return
        with self._lock:
            old = self._memory.pop(key, None)
            self._held -= old.size if old is not None else 0
            self._memory[key] = answer
            self._held += answer.size
            while self._held > self.memory_bytes:
                _, dropped = self._memory.popitem(last=False)
                self._held -= dropped.size

    @property
    def memory_held(self) -> int:
        return self._held
