"""``geoinsight serve --production``: the app under gunicorn, in several worker processes.

The app is built once, in gunicorn's master, before the workers fork (``preload_app``): they share
its loaded code and catalogue. That is safe because ``create_app`` keeps no file open — the
store, the accounts and the audit log each open their SQLite connection per call and close it —
so no connection crosses a fork (a PostGIS read connection is per process: a worker opens its
own). Unless ``warm`` is off, the master warms the app before the workers fork
(:mod:`geoinsight.web.warm`, ``in_process``): the answer cache is filled and the in-memory
tables are built once, and every worker starts with them (copy-on-write), so the first request
after a start costs what the hundredth does. The port opens when that is done; on a SIGHUP the
old workers serve meanwhile.

Workers are gunicorn's ``gthread`` workers: ``workers`` processes (setting ``workers``, 0 meaning
:func:`geoinsight.settings.default_workers`) of ``threads`` threads each.

Signals to the master (gunicorn's): SIGHUP reads the settings again, builds the app anew and
replaces the workers gracefully (the old ones finish their requests); SIGTERM stops accepting
and lets running requests finish for up to ``graceful_timeout`` seconds, then exits; SIGINT and
SIGQUIT stop at once; SIGTTIN / SIGTTOU add or remove a worker.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from geoinsight.errors import GeoInsightError
from geoinsight.settings import Settings, default_workers

#: Seconds a worker may go without telling the master it is alive before it is replaced. A
#: gthread worker's main loop reports while its threads compute, so this is no request limit.
WORKER_TIMEOUT_S = 120


def gunicorn_options(settings: Settings, bind: str) -> dict[str, Any]:
    """gunicorn's settings for these GeoInsight settings."""
    return {
        "bind": bind,
        "workers": settings.workers or default_workers(),
        "threads": settings.threads,
        "worker_class": "gthread",
        "preload_app": True,
        "graceful_timeout": settings.graceful_timeout,
        "timeout": max(WORKER_TIMEOUT_S, settings.graceful_timeout),
        "keepalive": 5,
        "max_requests": settings.max_requests,
        "max_requests_jitter": settings.max_requests // 10,
        # the app writes the access log (geoinsight.web.access_log) and decides which
        # X-Forwarded-* headers to believe (setting trusted_proxies): gunicorn neither
        "accesslog": None,
        "errorlog": "-",
        "forwarded_allow_ips": "",
        "proc_name": "geoinsight",
    }


class ProductionServer(BaseApplication):
    """gunicorn's master for GeoInsight: settings from ``read_settings``, app from ``factory``."""

    def __init__(self, read_settings: Callable[[], Settings],
                 factory: Callable[[Settings], Flask], bind: str, warm: bool = True) -> None:
        self._read_settings = read_settings
        self._factory = factory
        self._bind = bind
        self._warm = warm
        self.settings: Settings | None = None
        super().__init__()

    def load_config(self) -> None:
        try:
            self.settings = self._read_settings()
        except GeoInsightError as exc:
            if self.settings is None:
                raise
            print(f"error: settings not reloaded, the previous ones stay: {exc}",
                  file=sys.stderr)
        for key, value in gunicorn_options(self.settings, self._bind).items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:  # gunicorn >= 24: no socket in $HOME
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Flask:
        assert self.settings is not None
        gc.unfreeze()  # on a reload: the previous app may go now
        app = self._factory(self.settings)
        if self._warm:
            from geoinsight.web.warm import warm

            start = time.perf_counter()
            done = warm(app, in_process=True)
            print(f"warmed {len(done)} answers in {time.perf_counter() - start:.1f} s",
                  file=sys.stderr, flush=True)
        # What the workers inherit is kept out of their garbage collections: otherwise each
        # worker's first full collection walks (and so copies, page by page) every object of
        # the master's heap, ~50-100 ms on some early request and the memory not shared.
        gc.collect()
        gc.freeze()
        return app

    def reload(self) -> None:
        """SIGHUP: new settings and a new app for the new workers (the old app if it fails)."""
        super().reload()
        try:
            self.callable = self.load()
        except GeoInsightError as exc:
            print(f"error: app not reloaded, the previous one stays: {exc}", file=sys.stderr)


def serve_production(read_settings: Callable[[], Settings], factory: Callable[[Settings], Flask],
                     host: str, port: int, warm: bool = True) -> None:
    """Run gunicorn until it is stopped (SIGTERM, SIGINT); ``warm``: warm up the app in the
    master before the workers start (module docstring)."""
    ProductionServer(read_settings, factory, f"{host}:{port}", warm).run()
