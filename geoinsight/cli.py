"""The ``geoinsight`` command: serve, warm, demo, ingest, layers, export, users.

Bad input never shows a traceback: it prints one line ``error: <what> (<file>)`` and exits 1.
Set ``GEOINSIGHT_DEBUG=1`` to see the traceback of an unexpected failure.
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from geoinsight.errors import GeoInsightError, InputError
from geoinsight.privacy.access import ROLES
from geoinsight.settings import Settings, load_settings
from geoinsight.usecases.ingest_file import OPTIONS, YEARS, Option

if TYPE_CHECKING:
    from geoinsight.catalog import Catalog
    from geoinsight.privacy.accounts import Accounts

#: Years GeoInsight can show (the API accepts the same range).
YEAR = click.IntRange(*YEARS)
F = TypeVar("F", bound=Callable[..., object])


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


def _click_option(option: Option) -> Callable[[F], F]:
    kind: click.ParamType | type = option.type
    if option.year:
        kind = YEAR
    elif option.choices:
        kind = click.Choice(option.choices)
    return click.option(option.flag, option.name, type=kind, default=option.default,
                        multiple=option.multiple, required=option.required,
                        show_default=option.default not in (None, ""), help=option.help)


def _ingest_command(kind: str, doc: str) -> None:
    """``geoinsight ingest <kind> PATH`` with the options of :data:`OPTIONS` [kind]."""

    def run(settings: Settings, path: Path, rejects_path: Path | None = None,
            **options: object) -> None:
        from geoinsight.usecases.ingest_file import run_ingest

        outcome = run_ingest(_store(settings), settings.data_dir, kind, path, options,
                             rejects_path)
        for line in outcome.lines:
            click.echo(line)
        for warning in outcome.warnings:
            click.echo(f"warning: {warning}", err=True)

    run.__doc__ = doc
    command: Callable[..., None] = click.pass_obj(run)
    if kind != "raster":  # a raster has no rows to reject
        command = click.option(
            "--rejects", "rejects_path", type=click.Path(dir_okay=False, path_type=Path),
            default=None, help="Write rejected rows here (default: <data dir>/reports/).",
        )(command)
    for option in reversed(OPTIONS[kind]):
        command = _click_option(option)(command)
    command = click.argument("path", type=click.Path(path_type=Path, readable=False))(command)
    ingest.command(kind)(command)


_ingest_command("boundaries", "CBS wijk- en buurtkaart: GeoPackage, GeoJSON, Shapefile or a "
                              "zip of those.")
_ingest_command("indicators", "CBS Kerncijfers or StatLine tables (CSV or XLSX) keyed by area "
                              "code.")
_ingest_command("addresses", "BAG address points (verblijfsobjecten): GeoPackage, GeoJSON, or "
                             "CSV with x, y.")
_ingest_command("energy-labels", "The EP-Online bulk file (ZIP or CSV); replaces the labels "
                                 "stored before.")
_ingest_command("events", """Own event registrations (points with a date and category),
    counted per area and year.

    Only the counts are stored, never the points. The summary lists how every category value
    of the file was counted.
    """)
_ingest_command("raster", """A GeoTIFF or Cloud-Optimised GeoTIFF, summarised per area
    (zonal statistics).

    Every stored area the raster meets gets its coverage; those within the raster's extent
    get mean, min, max, p10, p50, p90 and the shares above and below the thresholds, with
    exact fractional cell weights. The file is kept (as a COG) under <data dir>/rasters/ for
    the map's overlay.
    """)


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
