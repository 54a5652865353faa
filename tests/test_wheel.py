"""The package as a wheel: built from a copy of the checkout, installed into a folder of its
own, it serves the demo from a folder outside the checkout (no editable install involved)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from live_server import Server, clean_env, free_port, start

from geoinsight import PROJECT_ROOT
from geoinsight.render.assets import VENDORED
from geoinsight.resources import BUNDLED_NAME, FOLDERS

#: What the build needs of the checkout, besides the resource folders.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "geoinsight")


def _run(*command: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env or clean_env(), capture_output=True,
                          text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the checkout (a build leaves nothing in the checkout)."""
    source = tmp_path_factory.mktemp("source")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", BUNDLED_NAME)
    for name in [*SOURCES, *FOLDERS.values()]:
        origin = PROJECT_ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=skip)
        else:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(source), cwd=source)
    (built,) = dist.glob("geoinsight-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    _run(sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel), cwd=target)
    return target


@pytest.fixture(scope="module")
def server(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    outside = tmp_path_factory.mktemp("outside")
    command = [sys.executable, "-m", "geoinsight.cli", "--data-dir", str(outside / "data"),
               "serve", "--port", str(free_port()), "--basemap", "none"]
    running = start(command, outside / "server.log", outside,
                    clean_env(PYTHONPATH=str(installed)))
    yield running
    running.stop(signal.SIGTERM)


def test_the_wheel_holds_the_resources_and_no_tests(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for relative in FOLDERS.values():
        assert any(n.startswith(f"geoinsight/{BUNDLED_NAME}/{relative}/") for n in names)
    assert f"geoinsight/{BUNDLED_NAME}/layers/schema.json" in names
    assert not any(n.startswith("tests/") or "/tests/" in n for n in names)


def test_the_installed_package_is_the_wheel(installed: Path, tmp_path: Path) -> None:
    code = ("import geoinsight, geoinsight.resources as r; "
            "print(geoinsight.__file__); print(r.resource_dir('static'))")
    printed = _run(sys.executable, "-c", code, cwd=tmp_path,
                   env=clean_env(PYTHONPATH=str(installed))).split()
    assert all(Path(p).is_relative_to(installed) for p in printed), printed


def test_the_installed_wheel_serves_the_demo(server: Server) -> None:
    assert "loading the demo data" in server.output()
    for path in ("/", "/map/population", "/api/layers", f"/static/{VENDORED['leaflet']}"):
        status, body = server.get(path)
        assert status == 200 and body, path
