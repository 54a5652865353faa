"""One Settings object: defaults < config file < ``GEOINSIGHT_*`` environment < explicit overrides.

The config file is YAML, found at ``GEOINSIGHT_CONFIG`` (or ``<data dir>/config.yaml``); string
values may use ``${VAR:-default}``. Nothing here runs at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from geoinsight.errors import ConfigError
from geoinsight.resources import resource_dir

_PDOK = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/"

_KADASTER = "Kaartgegevens &copy; <a href=\"https://www.kadaster.nl\">Kadaster</a> (PDOK)"

#: Basemap presets. ``none`` draws no tiles, so a map page makes no request off the host.
BASEMAPS: dict[str, dict[str, str]] = {
    "pdok": {
        "tiles": _PDOK + "standaard/EPSG:3857/{z}/{x}/{y}.png",
        "attribution": _KADASTER,
    },
    "pdok-grijs": {
        "tiles": _PDOK + "grijs/EPSG:3857/{z}/{x}/{y}.png",
        "attribution": _KADASTER,
    },
    "none": {"tiles": "", "attribution": ""},
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("instance")
    database_url: str | None = None
    basemap: str = "pdok"
    basemap_attribution: str = ""
    layers_dir: Path = field(default_factory=lambda: resource_dir("layers"))
    demo_dir: Path = field(default_factory=lambda: resource_dir("demo"))
    planning_dir: Path = field(default_factory=lambda: resource_dir("planning"))
    secret_key: str = ""
    language: str = "nl"
    #: Simplification tolerance in metres per level, for the geometry sent to browsers.
    simplify_m: dict[str, float] = field(
        default_factory=lambda: {"gemeente": 25.0, "wijk": 8.0, "buurt": 3.0})
    #: The same for the overview geometry of a national or provincial map of wijken or
    #: buurten (``/api/areas?detail=overview``): about a pixel at zoom 11. From
    #: ``overview_zoom`` on, the map swaps in each gemeente's ``simplify_m`` geometry.
    overview_simplify_m: dict[str, float] = field(
        default_factory=lambda: {"gemeente": 25.0, "wijk": 50.0, "buurt": 50.0})
    overview_zoom: int = 12
    #: Custom areas (POST /api/aggregate): most vertices of a drawn or uploaded area, and the
    #: largest request body (an upload); a larger one is refused with 413.
    aggregate_max_vertices: int = 10_000
    aggregate_max_upload_bytes: int = 5 * 2**20
    #: Uploaded area files are read with bounds (geoinsight/uploads): most features, most bytes
    #: a zipped Shapefile may unpack to, and the longest a read may take.
    aggregate_max_features: int = 1_000
    aggregate_max_unzipped_bytes: int = 20 * 2**20
    aggregate_read_seconds: float = 10.0
    #: The largest file a beheerder may upload on the data page (POST /admin/ingest): it is
    #: streamed to disk under <data dir>/uploads/; a larger one is refused with 413.
    ingest_max_upload_bytes: int = 4 * 2**30
    #: The public address of this server (https://geo.example.nl, with a path prefix if it has
    #: one). Absolute links (OGC API) are built from it, never from the request's Host header.
    base_url: str = ""
    #: Anonymous custom-area requests per client address per minute (0: no limit).
    aggregate_rate_per_minute: int = 30
    #: Sign-in throttle (docs/access.md): after ``login_max_failures`` failures of one name, or
    #: ``login_address_max_failures`` from one client address, within ``login_failure_window``
    #: seconds, answer 429 for ``login_backoff`` seconds, doubling with each further failure
    #: (at most the window). ``login_lock_after`` failures in a row lock the name until
    #: ``geoinsight users unlock``.
    login_max_failures: int = 5
    login_address_max_failures: int = 20
    login_failure_window: int = 900
    login_backoff: int = 30
    login_lock_after: int = 20
    #: The least zxcvbn score (0-4) a new password needs (geoinsight/passwords.py).
    password_min_score: int = 3
    #: Reverse proxies in front that set X-Forwarded-For/-Proto (0: none, use the peer address).
    trusted_proxies: int = 0
    #: ``serve --production``: gunicorn worker processes (0: by cores, see
    #: :func:`default_workers`), threads per worker (also plain ``serve``'s waitress threads),
    #: and the seconds a stopping or reloaded worker gets to finish its requests.
    workers: int = 0
    threads: int = 8
    graceful_timeout: int = 30
    #: A worker is replaced (gracefully) after about this many requests (0: never), so memory a
    #: long-running worker holds on to (allocator fragmentation, caches of old store versions)
    #: goes back to the system; each worker's count is jittered by up to 10 % so they do not
    #: restart together.
    max_requests: int = 20_000
    #: Allocations of at least this many bytes (answers) get their own mmap and go back to
    #: the system when freed (glibc; 0: glibc's default, whose threshold rises and lets the
    #: heap fragment). See geoinsight/web/allocator.py.
    malloc_mmap_threshold: int = 128 * 1024
    #: One JSON line per request: ``-`` (stderr), ``off``, or a file to append to.
    access_log: str = "-"
    #: The answer cache (geoinsight/web/cache.py, docs/operations.md): files under
    #: ``cache_dir`` (default ``<data dir>/cache``) at most ``cache_max_bytes``, or Redis at
    #: ``redis_url`` (keys ``redis_prefix…``, expiring after ``cache_ttl`` seconds); in each
    #: process at most ``cache_memory_bytes`` of answers in memory.
    cache_dir: Path | None = None
    cache_max_bytes: int = 512 * 2**20
    cache_memory_bytes: int = 128 * 2**20
    redis_url: str = ""
    redis_prefix: str = "geoinsight:answer:"
    cache_ttl: int = 7 * 86400
    #: Per process, at most this many bytes of finished anonymous answers replayed without
    #: Flask (geoinsight/web/replay.py); 0 turns replay off.
    replay_memory_bytes: int = 32 * 2**20
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def store_path(self) -> Path:
        return self.data_dir / "geoinsight.gpkg"

    @property
    def store_name(self) -> str:
        """The store the settings choose, as a message may name it: the GeoPackage's path, or
        the database URL without user and password."""
        if not self.database_url:
            return str(self.store_path)
        scheme, _, rest = self.database_url.partition("://")
        return f"{scheme}://{rest.rpartition('@')[2]}"

    def basemap_tiles(self) -> tuple[str, str]:
        """The tile URL template and attribution of the configured basemap ('' for none)."""
        preset = BASEMAPS.get(self.basemap)
        if preset is not None:
            return preset["tiles"], preset["attribution"]
        if not self.basemap.startswith(("http://", "https://")) or "{z}" not in self.basemap:
            raise ConfigError(
                f"basemap must be one of {', '.join(BASEMAPS)} or a tile URL with {{z}}/{{x}}/{{y}}"
                f", not {self.basemap!r}")
        return self.basemap, self.basemap_attribution


_VAR = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def _expand(value: Any) -> Any:
    if isinstance(value, str):
        return _VAR.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, dict):
        return {k: _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v) for v in value]
    return value


#: Settings that are whole numbers: their least and greatest allowed value.
_WHOLE_NUMBERS: dict[str, tuple[int, int | None]] = {
    "aggregate_max_vertices": (1, None), "aggregate_max_upload_bytes": (1, None),
    "ingest_max_upload_bytes": (1, None),
    "aggregate_rate_per_minute": (0, None), "login_max_failures": (1, None),
    "login_address_max_failures": (1, None), "login_failure_window": (1, None),
    "login_backoff": (1, None), "login_lock_after": (1, None), "password_min_score": (0, 4),
    "trusted_proxies": (0, 10), "aggregate_max_features": (1, None),
    "aggregate_max_unzipped_bytes": (1, None), "workers": (0, 64), "threads": (1, 64),
    "graceful_timeout": (1, 3600), "max_requests": (0, None), "cache_max_bytes": (0, None),
    "cache_memory_bytes": (0, None), "replay_memory_bytes": (0, None), "cache_ttl": (1, None),
    "overview_zoom": (0, 19),
    "malloc_mmap_threshold": (0, 32 * 2**20),  # glibc's largest on 64-bit (HEAP_MAX_SIZE / 2)
}


def _whole_number(name: str, value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None
    least, most = _WHOLE_NUMBERS[name]
    if number < least:
        raise ConfigError(f"{name} must be at least {least}, not {number}")
    if most is not None and number > most:
        raise ConfigError(f"{name} must be at most {most}, not {number}")
    return number


def _coerce(name: str, value: Any) -> Any:
    if name in {"data_dir", "layers_dir", "demo_dir", "planning_dir"}:
        return Path(value)
    if name == "cache_dir":
        return Path(value) if value else None
    if name in _WHOLE_NUMBERS:
        return _whole_number(name, value)
    if name == "aggregate_read_seconds":
        return _positive_seconds(name, value)
    if name == "base_url":
        return _base_url(value)
    if name in ("simplify_m", "overview_simplify_m"):
        if not isinstance(value, dict):
            raise ConfigError(f"{name} must map a level to metres")
        return {str(k): float(v) for k, v in value.items()}
    if name == "access_log":
        return str(value).strip() or "-"
    return value


def default_workers(cores: int | None = None) -> int:
    """gunicorn's advice, ``2 * cores + 1``, at most 17 (the cores this process may run on).

    Every worker holds its own copy of the caches and of what it computed; past a few per core
    more of them only cost memory.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    return min(2 * max(cores, 1) + 1, 17)


def _positive_seconds(name: str, value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number of seconds, not {value!r}") from None
    if not seconds > 0:
        raise ConfigError(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


def _base_url(value: Any) -> str:
    """``https://host[:port][/prefix]`` without a trailing slash, or '' (unset).

    Checked at start-up: a typo here would put a wrong host into every link handed out.
    """
    text = str(value or "").strip().rstrip("/")
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query \
            or parts.fragment or parts.username or parts.password:
        raise ConfigError("base_url must be an http(s) address such as https://geo.example.nl "
                          f"(optionally with a path), without query or user, not {text!r}")
    return text


def _from_file(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", path=str(path)) from exc
    if not isinstance(data, dict):
        raise ConfigError("config file must be a mapping", path=str(path))
    return _expand(data)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from defaults, config file, environment and keyword overrides (in order)."""
    known = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    env = {k[len("GEOINSIGHT_"):].lower(): v for k, v in os.environ.items()
           if k.startswith("GEOINSIGHT_") and k != "GEOINSIGHT_CONFIG"}
    data_dir = overrides.get("data_dir") or env.get("data_dir") or "instance"
    config = os.environ.get("GEOINSIGHT_CONFIG")
    config_path = Path(config) if config else Path(data_dir) / "config.yaml"
    if config or config_path.exists():
        values.update(_from_file(config_path))
    values.update(env)
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = {k: v for k, v in values.items() if k not in known}
    settings = Settings(**{k: _coerce(k, v) for k, v in values.items() if k in known})
    settings = replace(settings, extra=unknown)
    settings.basemap_tiles()  # fail early on a bad basemap
    return settings
