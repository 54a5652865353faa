"""The ``geoinsight`` command: serve, warm, demo, ingest, layers, export, users.

Bad input never shows a traceback: it prints one line ``error: <what> (<file>)`` and exits 1.
Set ``GEOINSIGHT_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from geoinsight.errors import GeoInsightError, InputError
from geoinsight.ingest import IngestResult
from geoinsight.privacy.access import ROLES, TIERS
from geoinsight.records import THEMES
from geoinsight.settings import Settings, load_settings

if TYPE_CHECKING:
    from geoinsight.catalog import Catalog
    from geoinsight.privacy.accounts import Accounts
    from geoinsight.store import Store

#: Years GeoInsight can show (the API accepts the same range).
YEAR = click.IntRange(1900, 2100)


@click.group()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder of the store (default: $GEOINSIGHT_DATA_DIR, else ./instance).")
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None) -> None:
    """GeoInsight: CBS neighbourhood figures as offline maps, profiles and an API."""
    ctx.obj = load_settings(data_dir=data_dir)


def _store(settings: Settings):
    from geoinsight.store import open_store
    return open_store(settings)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--basemap", default=None, help="pdok (default), pdok-grijs, none, or a tile URL.")
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="Threads (per worker with --production; default: setting threads, 8).")
@click.option("--production", is_flag=True,
              help="Serve with gunicorn in several worker processes (docs/operations.md).")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Worker processes with --production (default: setting workers, else "
                   "2 x cores + 1).")
@click.option("--warm/--no-warm", default=True, show_default=True,
              help="Warm up at start (geoinsight warm, plus what each process keeps): with "
                   "--production before the workers start, else in the background.")
@click.pass_obj
def serve(settings: Settings, host: str, port: int, basemap: str | None, threads: int | None,
          production: bool, workers: int | None, warm: bool) -> None:
    """Serve the web app (waitress; gunicorn with --production); an empty store first gets the
    demo data."""
    from geoinsight.web import create_app
    from geoinsight.web.allocator import fix_mmap_threshold

    def read_settings() -> Settings:
        return load_settings(data_dir=settings.data_dir, basemap=basemap, threads=threads,
                             workers=workers)

    settings = read_settings()
    fix_mmap_threshold(settings.malloc_mmap_threshold)  # before any worker forks
    _demo_if_empty(settings)  # here, before any worker forks: once, never racing
    click.echo(f"GeoInsight on http://{host}:{port}/ (store {settings.store_name})")
    if production:
        from geoinsight.web.production import serve_production

        serve_production(read_settings, create_app, host, port, warm=warm)
        return
    from waitress import serve as waitress_serve

    app = create_app(settings)
    if warm:
        import threading

        from geoinsight.web.warm import warm as warm_up

        threading.Thread(target=warm_up, args=(app,), kwargs={"in_process": True},
                         name="warm-up", daemon=True).start()
    waitress_serve(app, host=host, port=port, threads=settings.threads, ident="GeoInsight")


def _demo_if_empty(settings: Settings) -> None:
    from geoinsight.demo import load_demo_for

    if _store(settings).is_empty():
        click.echo(f"store {settings.store_name} is empty: loading the demo data (Delft)")
        results = load_demo_for(settings, only_if_empty=True)
        for result in results:
            click.echo("  " + result.summary())
        if not results:
            click.echo("  another server loaded it meanwhile")


@cli.command("warm")
@click.pass_obj
def warm_cmd(settings: Settings) -> None:
    """Fill the answer cache with the heavy first answers (geometry, values, OGC tables)."""
    from geoinsight.web import create_app
    from geoinsight.web.warm import warm

    done = warm(create_app(settings), lambda result: click.echo(result.line()))
    failed = sum(result.status != 200 for result in done)
    click.echo(f"{len(done)} answers warmed in {sum(r.seconds for r in done):.1f} s"
               + (f", {failed} not 200" if failed else ""))


@cli.command()
@click.pass_obj
def demo(settings: Settings) -> None:
    """Rebuild the store from the embedded demo data (replaces what is there)."""
    from geoinsight.demo import load_demo_for

    for result in load_demo_for(settings):
        click.echo(result.summary())
    click.echo(f"demo loaded into {settings.store_name}")


@cli.group()
def ingest() -> None:
    """Load files into the store (atomically: a failed ingest changes nothing)."""


_rejects_option = click.option(
    "--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Write rejected rows here (default: <data dir>/reports/).")


@ingest.command("boundaries")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--year", type=YEAR, default=None, help="Boundary year (default: from the file).")
@click.option("--crs", default=None, help="CRS of a file that has none, e.g. EPSG:28992.")
@click.option("--values-year", type=YEAR, default=None,
              help="Year of the figures in the attribute columns (default: the boundary year).")
@_rejects_option
@click.pass_obj
def ingest_boundaries_cmd(settings: Settings, path: Path, year: int | None, crs: str | None,
                          values_year: int | None, rejects_path: Path | None) -> None:
    """CBS wijk- en buurtkaart: GeoPackage, GeoJSON, Shapefile or a zip of those."""
    from geoinsight.ingest import ingest_boundaries

    report = _report_target(settings, rejects_path)
    store = _store(settings)
    _report(ingest_boundaries(store, path, year=year, crs=crs, values_year=values_year),
            report)
    _refresh_rasters(settings, store)


def _refresh_rasters(settings: Settings, store: Store) -> None:
    """After a boundary ingest: the stored rasters' figures for the boundaries held now."""
    if not store.rasters():
        return
    from geoinsight.ingest.rasters import refresh_rasters

    results, missing = refresh_rasters(store, settings.data_dir)
    for result in results:
        click.echo(result.summary().splitlines()[0] + " (recomputed)")
    for warning in missing:
        click.echo(f"warning: {warning}", err=True)


@ingest.command("indicators")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--year", type=YEAR, default=None,
              help="Year of the figures (default: from the file).")
@click.option("--boundaries", type=YEAR, default=None,
              help="Indeling (boundary year) the figures are published on (default: their "
                   "year, as CBS publishes them).")
@_rejects_option
@click.pass_obj
def ingest_indicators_cmd(settings: Settings, path: Path, year: int | None,
                          boundaries: int | None, rejects_path: Path | None) -> None:
    """CBS Kerncijfers or StatLine tables (CSV or XLSX) keyed by area code."""
    from geoinsight.ingest import ingest_indicators

    report = _report_target(settings, rejects_path)
    _report(ingest_indicators(_store(settings), path, year=year, boundaries=boundaries),
            report)


@ingest.command("addresses")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--year", type=YEAR, default=None,
              help="Year the BAG extract describes (default: this year).")
@click.option("--crs", default=None, help="CRS of x, y in a CSV, or of a file that has none.")
@_rejects_option
@click.pass_obj
def ingest_addresses_cmd(settings: Settings, path: Path, year: int | None, crs: str | None,
                         rejects_path: Path | None) -> None:
    """BAG address points (verblijfsobjecten): GeoPackage, GeoJSON, or CSV with x, y."""
    from geoinsight.ingest.points import ingest_addresses

    report = _report_target(settings, rejects_path)
    _report(ingest_addresses(_store(settings), path, year=year, crs=crs), report)


@ingest.command("energy-labels")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@_rejects_option
@click.pass_obj
def ingest_labels_cmd(settings: Settings, path: Path, rejects_path: Path | None) -> None:
    """The EP-Online bulk file (ZIP or CSV); replaces the labels stored before."""
    from geoinsight.ingest.points import ingest_energy_labels

    report = _report_target(settings, rejects_path)
    _report(ingest_energy_labels(_store(settings), path), report)


@ingest.command("events")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--name", default="ondermijning", show_default=True,
              help="The register: lowercase letters, digits and _ (e.g. fietsdiefstal). Its "
                   "layer is <name>_total (the default register's: events_total); a new file "
                   "replaces only this register's counts.")
@click.option("--title", default=None, help="The layer's title (default for ondermijning: "
              "'Meldingen ondermijning (eigen registratie)'; else made from the name).")
@click.option("--theme", default="safety", show_default=True, type=click.Choice(THEMES),
              help="The theme the layer is grouped under.")
@click.option("--tier", default="restricted", show_default=True, type=click.Choice(TIERS),
              help="Who may see the counts: open (anyone), internal (staff), restricted "
                   "(ondermijning and beheerder roles).")
@click.option("--crs", default=None, help="CRS of x, y in a CSV, or of a file that has none.")
@click.option("--date-column", default=None, help="Column with the event date (default: found "
              "by name: datum, pleegdatum, b_datum, …).")
@click.option("--category-column", default=None, help="Column with the event category "
              "(default: found by name: categorie, soort, srt, …).")
@click.option("--category", default=None, help="One category for every event in the file.")
@_rejects_option
@click.pass_obj
def ingest_events_cmd(settings: Settings, path: Path, name: str, title: str | None, theme: str,
                      tier: str, crs: str | None, date_column: str | None,
                      category_column: str | None, category: str | None,
                      rejects_path: Path | None) -> None:
    """Own event registrations (points with a date and category), counted per area and year.

    Only the counts are stored, never the points. The summary lists how every category value
    of the file was counted.
    """
    from geoinsight.ingest.events import ingest_events
    from geoinsight.registers import RegisterSpec, check_spec

    spec = RegisterSpec(name=name, title=title, theme=theme, tier=tier)
    check_spec(spec)
    report = _report_target(settings, rejects_path)
    _report(ingest_events(_store(settings), path, crs=crs, date_column=date_column,
                          category_column=category_column, category=category,
                          register=spec), report)


@ingest.command("raster")
@click.argument("path", type=click.Path(path_type=Path, readable=False))
@click.option("--name", required=True,
              help="The raster: lowercase letters, digits and _ (e.g. hittestress). Its layers "
                   "are <name>_mean, <name>_p90, <name>_share_above_<t>, <name>_coverage, …; a "
                   "new file replaces only this raster.")
@click.option("--year", type=YEAR, default=None,
              help="The year the raster describes (default: the file's TIFFTAG_DATETIME).")
@click.option("--band", type=int, default=1, show_default=True, help="The band to use.")
@click.option("--unit", default="", help="The unit of the cell values, e.g. °C or m NAP.")
@click.option("--title", default=None, help="The layers' title (default: made from the name).")
@click.option("--theme", default="environment", show_default=True, type=click.Choice(THEMES),
              help="The theme the layers are grouped under.")
@click.option("--tier", default="open", show_default=True, type=click.Choice(TIERS),
              help="Who may see the figures and the overlay.")
@click.option("--above", "above", type=float, multiple=True,
              help="A threshold: <name>_share_above_<t> is the share of an area's surface "
                   "with data above it. Repeat for more.")
@click.option("--below", "below", type=float, multiple=True,
              help="A threshold for <name>_share_below_<t>. Repeat for more.")
@click.option("--source", default=None, help="Who made the raster (shown with every figure).")
@click.option("--licence", default=None, help="Its licence, e.g. CC0 or CC BY 4.0.")
@click.option("--about", default="land", show_default=True, type=click.Choice(["land",
              "persons"]), help="What the cells describe: the land (heat, elevation, green: "
              "no person rules apply) or persons (a population grid: small bases suppressed).")
@click.pass_obj
def ingest_raster_cmd(settings: Settings, path: Path, name: str, year: int | None, band: int,
                      unit: str, title: str | None, theme: str, tier: str,
                      above: tuple[float, ...], below: tuple[float, ...], source: str | None,
                      licence: str | None, about: str) -> None:
    """A GeoTIFF or Cloud-Optimised GeoTIFF, summarised per area (zonal statistics).

    Every stored area the raster meets gets its coverage; those within the raster's extent
    get mean, min, max, p10, p50, p90 and the shares above and below the thresholds, with
    exact fractional cell weights. The file is kept (as a COG) under <data dir>/rasters/ for
    the map's overlay.
    """
    from geoinsight.ingest.rasters import ingest_raster
    from geoinsight.rasters import RasterSpec

    spec = RasterSpec(name=name, title=title, unit=unit, theme=theme, tier=tier, band=band,
                      above=above, below=below, year=year, source=source, licence=licence,
                      about=about)
    _report(ingest_raster(_store(settings), path, spec, settings.data_dir), None)


def _report_target(settings: Settings, rejects_path: Path | None) -> Path | None:
    """Where the rejects go; checked before the ingest, so a bad path changes nothing."""
    folder = rejects_path.parent if rejects_path else settings.data_dir / "reports"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GeoInsightError(f"cannot create the rejects report folder: {exc.strerror}",
                              path=str(folder)) from exc
    if not os.access(folder, os.W_OK) or (rejects_path and rejects_path.is_dir()):
        raise GeoInsightError("cannot write the rejects report there",
                              path=str(rejects_path or folder))
    return rejects_path or folder


def _report(result: IngestResult, target: Path | None) -> None:
    click.echo(result.summary())
    if not result.rejects or target is None:
        return
    if target.is_dir():
        target = target / f"ingest-{result.ingest_id}-{result.path.name}-rejects.csv"
    try:
        with open(target, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["row", "code", "reason"])
            writer.writerows((r.row, r.code, r.reason) for r in result.rejects)
    except OSError as exc:  # the ingest is stored; its rejects are in the store's log too
        click.echo(f"warning: rejects report not written ({exc.strerror}); they are in the "
                   f"store's ingest_rejects table under ingest {result.ingest_id}", err=True)
        return
    click.echo(f"rejected rows: {target}")


@cli.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """What the store holds, which layers have figures where, and the next step."""
    from geoinsight.catalog import load_catalog
    from geoinsight.usecases.store_status import format_status, store_status

    store = _store(settings)
    click.echo(format_status(store_status(store, load_catalog(settings.layers_dir),
                                          str(settings.store_path))))


@cli.group()
def layers() -> None:
    """The layer catalogue (layers/*.yaml)."""


@layers.command("list")
@click.pass_obj
def layers_list(settings: Settings) -> None:
    """Every layer: id, levels, effective tier and title (with the store's event registers)."""
    from geoinsight.privacy.access import indicator_tiers, with_effective_tiers

    catalog = with_effective_tiers(_catalog(settings), indicator_tiers(_store(settings)))
    for layer in catalog.layers.values():
        click.echo(f"{layer.id:32} {','.join(layer.levels):22} {layer.tier:10} "
                   f"{layer.title_in('nl')}")


def _catalog(settings: Settings) -> Catalog:
    """The layer files' catalogue with the layers of the store's event registers and rasters."""
    from geoinsight.catalog import load_catalog
    from geoinsight.catalog.stored import with_stored_layers

    return with_stored_layers(load_catalog(settings.layers_dir), _store(settings))


@layers.command("validate")
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.pass_obj
def layers_validate(settings: Settings, folder: Path | None) -> None:
    """Check every layer file; name the file and field at fault."""
    from geoinsight.catalog import validate_dir

    folder = folder or settings.layers_dir
    problems = validate_dir(folder)
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{len(list(folder.glob('*.yaml')))} layers valid ({folder})")


@cli.command("export")
@click.argument("layer_ids", nargs=-1, required=True, metavar="LAYER...")
@click.option("--level", default="buurt", show_default=True,
              type=click.Choice(["gemeente", "wijk", "buurt"]))
@click.option("--municipality", default=None, help="A gemeente code, e.g. GM0503 (default: all).")
@click.option("--province", default=None,
              help="A province code or name, e.g. PV28 or Zuid-Holland: its gemeenten' areas.")
@click.option("--year", type=YEAR, default=None,
              help="Figure year (default: the latest year all layers have).")
@click.option("--format", "fmt_name", default=None,
              help="gpkg, geojson, csv, xlsx, parquet, shp (zip) or tif (default: from -o).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--boundaries", type=YEAR, default=None,
              help="Re-express the figures on the boundaries of this year (estimated).")
@click.option("--cell", "cell_m", type=float, default=100.0, show_default=True,
              help="GeoTIFF cell size in metres (the grid is aligned to RD New).")
@click.option("--lang", default="nl", type=click.Choice(["nl", "en"]), show_default=True)
@click.pass_obj
def export_cmd(settings: Settings, layer_ids: tuple[str, ...], level: str,
               municipality: str | None, province: str | None, year: int | None,
               fmt_name: str | None, output: Path, boundaries: int | None, cell_m: float,
               lang: str) -> None:
    """Write layers for a level, gemeente and year to a file, as /api/export gives them.

    Figures pass the same disclosure control as the web; a CSV gets its metadata beside it
    (<file>-metadata.json, W3C CSV on the Web); other formats carry it inside.
    """
    from geoinsight.export import build_export
    from geoinsight.export.formats import format_for_path, get_format
    from geoinsight.privacy.disclosure import disclosure_rules, open_published_store
    from geoinsight.usecases.service import parse_scope

    fmt = get_format(fmt_name) if fmt_name else format_for_path(output)
    if not output.parent.is_dir():
        raise InputError(f"folder {output.parent} does not exist", path=str(output))
    if fmt.name == "shp" and not output.name.lower().endswith(".zip"):
        raise InputError("a zipped Shapefile needs a file name ending in .zip", path=str(output))
    selection = parse_scope(level, municipality, str(year) if year else None, province)
    result = build_export(open_published_store(settings), _catalog(settings),
                          layer_ids, selection, fmt, disclosure_rules(settings), lang,
                          boundaries=boundaries, cell_m=cell_m)
    _write_atomically(output, result.chunks)
    sidecar = result.sidecar()
    if sidecar is not None:
        sidecar["url"] = output.name
        _write_atomically(output.with_name(output.name + "-metadata.json"),
                          iter([json.dumps(sidecar, ensure_ascii=False, indent=2).encode()]))
    mark = " (SYNTHETIC demo data)" if result.table.synthetic else ""
    click.echo(f"{output}: {len(result.table.frame)} {level} areas, "
               f"{len(result.table.columns)} layer(s), {result.table.year}, {fmt.name}{mark}")


def _write_atomically(target: Path, chunks: Iterator[bytes]) -> None:
    """All or nothing: a failed export leaves no half-written file (nor an old one broken)."""
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


@cli.group()
def users() -> None:
    """Accounts for the web app, in <data dir>/accounts.sqlite (kept across ingests), or in
    the database of GEOINSIGHT_DATABASE_URL when set."""


def _accounts(settings: Settings) -> Accounts:
    from geoinsight.privacy.accounts import open_accounts

    return open_accounts(settings)


def _read_password() -> str:
    """The new password: asked twice without echo on a terminal, else one line of stdin."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                                     err=True)
        return password
    line = sys.stdin.readline()
    if not line:
        raise GeoInsightError("no password on standard input (give it as one line)")
    return line.removesuffix("\n").removesuffix("\r")


def _audit_cli(settings: Settings, command: str, what: str) -> None:
    """Record an account change made on this machine in the audit log (who: the OS user)."""
    import getpass

    from geoinsight.privacy.audit import Read, open_audit_log

    try:
        who = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        who = "cli"
    open_audit_log(settings).record(
        who, f"geoinsight users {command}", "local", [Read(what, "auth")])


@users.command("add")
@click.argument("name")
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES),
              help="A role; repeat for several (at least one).")
@click.pass_obj
def users_add(settings: Settings, name: str, roles: tuple[str, ...]) -> None:
    """Add user NAME; the password (12+ characters, not guessable) comes from standard input."""
    accounts = _accounts(settings)
    accounts.check_new_user(name, roles)  # before asking for a password
    accounts.add_user(name, roles, _read_password())
    click.echo(f"user {name} added ({', '.join(sorted(set(roles)))})")


@users.command("remove")
@click.argument("name")
@click.pass_obj
def users_remove(settings: Settings, name: str) -> None:
    """Remove user NAME and every API token of theirs."""
    _accounts(settings).remove_user(name)
    click.echo(f"user {name} removed, with their API tokens and sessions")


@users.command("passwd")
@click.argument("name")
@click.pass_obj
def users_passwd(settings: Settings, name: str) -> None:
    """Set a new password for NAME (from standard input); signs NAME out everywhere.

    API tokens stay valid: revoke them by removing the user if they may be known too.
    """
    accounts = _accounts(settings)
    accounts.set_password(name, _read_password())
    _audit_cli(settings, "passwd", f"password set, sessions ended: {name}")
    click.echo(f"password of {name} changed; every session of theirs has ended")


@users.command("unlock")
@click.argument("name")
@click.pass_obj
def users_unlock(settings: Settings, name: str) -> None:
    """Lift the lock that too many failed sign-ins put on NAME."""
    if _accounts(settings).unlock(name):
        _audit_cli(settings, "unlock", f"name unlocked: {name}")
        click.echo(f"{name} unlocked")
    else:
        click.echo(f"{name} was not locked (its count of failed sign-ins starts again)")


@users.command("list")
@click.pass_obj
def users_list(settings: Settings) -> None:
    """Every user: name, roles, created, number of API tokens, disabled or locked (since when);
    never a password or token."""
    rows = _accounts(settings).list_users()
    if not rows:
        click.echo("no users")
    for user in rows:
        state = "  (disabled)" if user["disabled"] else ""
        if user["locked"]:
            state += f"  (locked since {user['locked']}: geoinsight users unlock {user['name']})"
        click.echo(f"{user['name']:24} {','.join(user['roles']):36} {user['created']}  "
                   f"tokens: {user['tokens']}{state}")


@users.command("token")
@click.argument("name")
@click.pass_obj
def users_token(settings: Settings, name: str) -> None:
    """Print a new API token for NAME, once (only its hash is kept).

    Scripts send it as the header 'Authorization: Bearer <token>'.
    """
    click.echo(_accounts(settings).new_token(name))
    click.echo("keep it now: it cannot be shown again", err=True)


def main(args: list[str] | None = None) -> None:
    """Entry point: run the CLI (on ``args``, else the command line); turn every failure into
    one line and exit 1."""
    try:
        cli.main(args=args, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.BadParameter as exc:  # a bad value or file: one line, like every input error
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(1)
    except click.ClickException as exc:  # usage (missing argument, unknown command): click's help
        exc.show()
        sys.exit(exc.exit_code)
    except GeoInsightError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(1)
    except Exception as exc:  # a bug or an unforeseen input: one line, traceback on request
        if os.environ.get("GEOINSIGHT_DEBUG"):
            traceback.print_exc()
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        click.echo(f"error: unexpected {type(exc).__name__}: {first} "
                   "(set GEOINSIGHT_DEBUG=1 for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
