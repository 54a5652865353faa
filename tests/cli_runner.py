"""The CLI run in the test process, as a user meets it: geoinsight.cli.main with its one-line
errors, Click's test runner giving it standard streams and an environment without
GEOINSIGHT_* (a real process costs a second of imports per call)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from geoinsight.cli import main


@dataclass
class Done:
    """What a run of the CLI left: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(data_dir: Path, *args: str, stdin: str = "", database_url: str | None = None) -> Done:
    """``geoinsight --data-dir DATA_DIR ARGS…``; with ``database_url`` on that PostGIS store
    (``GEOINSIGHT_DATABASE_URL``)."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("GEOINSIGHT_")}
    if database_url:
        env["GEOINSIGHT_DATABASE_URL"] = database_url
    with CliRunner().isolation(input=stdin, env=env) as (out, err, _):
        try:
            main(["--data-dir", str(data_dir), *args])
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
        return Done(code, out.getvalue().decode(), err.getvalue().decode())
