"""The checks every input file gets before a reader opens it, each with a one-line reason."""

from __future__ import annotations

import os
from pathlib import Path

from geoinsight.errors import InputError


def check_input_file(path: Path) -> None:
    if not path.exists():
        raise InputError("file not found", path=str(path))
    if path.is_dir():
        raise InputError("is a folder, not a file", path=str(path))
    if not os.access(path, os.R_OK):
        raise InputError("cannot read the file (permission denied)", path=str(path))
    if path.stat().st_size == 0:
        raise InputError("file is empty", path=str(path))
