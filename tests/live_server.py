"""A ``geoinsight serve`` process for tests: started on a free port, ready once /healthz answers.

The deadline only keeps a broken start from hanging the suite; no test asserts on time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

HOST = "127.0.0.1"
STARTUP_TIMEOUT_S = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ``GEOINSIGHT_*`` setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOINSIGHT_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    data_dir: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url(path), timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, what: str, count: int = 1) -> None:
        """Until the log holds ``what`` ``count`` times (the server still running)."""
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while self.output().count(what) < count:
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"no {count} x {what!r} in the server's log:\n{self.output()}")
            time.sleep(0.2)

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=15)
        return self.process.returncode


def start(command: Sequence[str], log: Path, cwd: Path, env: dict[str, str]) -> Server:
    """Start ``command`` (``geoinsight --data-dir D serve --port P …``, P from :func:`free_port`)
    and wait until it is healthy."""
    port = command[list(command).index("--port") + 1]
    data_dir = Path(command[list(command).index("--data-dir") + 1])
    with open(log, "wb") as out:
        process = subprocess.Popen(list(command), env=env, stdout=out,
                                   stderr=subprocess.STDOUT, cwd=cwd)
    server = Server(process, f"http://{HOST}:{port}", log, data_dir)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{server.output()}")
        try:
            if server.get("/healthz")[0] == 200:
                return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    server.stop(signal.SIGKILL)
    pytest.fail(f"the server was not healthy in {STARTUP_TIMEOUT_S:.0f} s:\n{server.output()}")
