"""Fixtures for web tests that need access tiers: an app with an internal and a restricted layer."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from web.tiers import HIDDEN

from geoinsight import PROJECT_ROOT
from geoinsight.settings import Settings
from geoinsight.web import create_app


@pytest.fixture
def tiered_app(demo_settings: Settings, tmp_path: Path) -> Iterator[Flask]:
    layers = tmp_path / "layers"
    shutil.copytree(PROJECT_ROOT / "layers", layers)
    for layer_id, (tier, title) in HIDDEN.items():
        (layers / f"{layer_id}.yaml").write_text(
            f'id: {layer_id}\ntitle: {{nl: "{title}", en: "{title} (en)"}}\n'
            "indicator: population\nunit: inwoners\nkind: count\n"
            "levels: [gemeente, wijk, buurt]\nclassification: {scheme: quantiles, k: 5}\n"
            f"palette: Reds\ntier: {tier}\nsource: test\nlicence: test\ntheme: social\n")
    app = create_app(replace(demo_settings, layers_dir=layers))
    app.config["TESTING"] = True
    yield app




@pytest.fixture
def token_for(demo_settings: Settings) -> Callable[[str, str], dict[str, str]]:
    """Make a user with one role and return the Authorization header of a new token of theirs."""
    from geoinsight.privacy.accounts import open_accounts

    def make(name: str, role: str) -> dict[str, str]:
        accounts = open_accounts(demo_settings)
        accounts.add_user(name, [role], "a long enough password")
        return {"Authorization": f"Bearer {accounts.new_token(name)}"}

    return make
