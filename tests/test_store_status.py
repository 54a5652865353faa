"""``geoinsight status`` on a store as a municipality builds it (tests/realistic.py)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from realistic import build

from geoinsight.catalog import load_catalog
from geoinsight.cli import cli
from geoinsight.settings import load_settings
from geoinsight.usecases.store_status import store_status


def test_status_says_what_is_held_and_what_to_load_next(tmp_path: Path) -> None:
    real = build(tmp_path)
    status = store_status(real.store, load_catalog(load_settings().layers_dir))
    held = {(b.level, b.year): b.areas for b in status.boundaries}
    assert held == {("buurt", 2021): 16, ("gemeente", 2023): 10}
    table = next(s for s in status.sources if s.level == "buurt" and s.boundary_year == 2024)
    assert (table.matched, table.unchanged, table.refused) == (0, 0, 5)
    gemeenten = next(s for s in status.sources if s.level == "gemeente"
                     and s.boundary_year == 2024)
    assert gemeenten.unchanged == gemeenten.codes > 0  # the 2024 gemeenten are the 2023 ones
    where = {w.layer.id: w.levels for w in status.layers}
    assert "buurt" not in where["population"]  # 2024 buurt figures are on other boundaries
    assert where["population"]["gemeente"][0] == [2023, 2024]  # the 2024 table has both
    assert any("Wijk- en buurtkaart 2024" in step for step in status.next_steps)
    assert any("BAG addresses" in step for step in status.next_steps)


def test_status_on_the_command_line(tmp_path: Path) -> None:
    build(tmp_path)
    done = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "status"])
    assert done.exit_code == 0, done.output
    assert "buurt     2021: 16 areas in 1 gemeente" in done.output
    assert "load the Wijk- en buurtkaart 2024" in done.output


def test_status_of_an_empty_store_says_to_load_boundaries(tmp_path: Path) -> None:
    done = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "status"])
    assert done.exit_code == 0, done.output
    assert "load boundaries first" in done.output
