"""Build step of the wheel: copy the repository's resource folders into the package.

The folders stay at the top of the repository (tests, scripts and docs name them there); a wheel
gets them as ``geoinsight/_resources/<folder>`` (see ``geoinsight/resources.py``). An editable
install copies nothing: it reads the checkout's folders.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _resources():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("_geoinsight_resources",
                                                  ROOT / "geoinsight" / "resources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithResources(build_py):
    """``build_py`` that also copies the resource folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        resources = _resources()
        target = Path(self.build_lib) / "geoinsight" / resources.BUNDLED_NAME
        shutil.rmtree(target, ignore_errors=True)  # no file left over from an earlier build
        for relative in resources.FOLDERS.values():
            shutil.copytree(ROOT / relative, target / relative,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithResources})
