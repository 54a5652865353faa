"""Shared fixtures: settings on a temporary data dir, a demo store built once, an app per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from geoinsight import PROJECT_ROOT
from geoinsight.catalog import load_catalog
from geoinsight.demo import load_demo
from geoinsight.privacy.access import ANONYMOUS
from geoinsight.privacy.disclosure import DisclosureRules, PublishedStore
from geoinsight.privacy.gate import Gate, Gates
from geoinsight.settings import Settings, load_settings
from geoinsight.store.gpkg import GeoPackageStore

TEST_DATA = Path(__file__).parent / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "instance", basemap="none")


@pytest.fixture
def store(settings: Settings) -> GeoPackageStore:
    return GeoPackageStore(settings.store_path)


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "geoinsight.gpkg"
    load_demo(path, PROJECT_ROOT / "data" / "demo")
    return path


@pytest.fixture
def demo_settings(settings: Settings, demo_file: Path) -> Settings:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_file, settings.store_path)
    return settings


@pytest.fixture
def app(demo_settings: Settings) -> Iterator[Flask]:
    from geoinsight.web import create_app

    application = create_app(demo_settings)
    application.config["TESTING"] = True
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def gates(demo_file: Path) -> Gates:
    """The demo read as a request reads it: through gates over the published store."""
    return Gates(PublishedStore(GeoPackageStore(demo_file), DisclosureRules()),
                 load_catalog(PROJECT_ROOT / "layers"))


@pytest.fixture(scope="module")
def gate(gates: Gates) -> Gate:
    """The anonymous visitor's gate on the demo."""
    return gates.for_principal(ANONYMOUS)
