"""Where the SQL and the expectation suites are, from a checkout or from an installed wheel.

The repository's top-level `sql/` and `expectations/` folders are the source of truth. The wheel
ships them as package data, `tasks/sql/` and `tasks/expectations/` (pyproject.toml maps them with
`[tool.setuptools.package-dir]`); in a checkout (an editable install, `make test`) they stay beside
`tasks/`, since an editable install does not copy them into the package. Everything that reads SQL
or suites takes its folder from here.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path

CHECKOUT_ROOT = Path(__file__).resolve().parents[1]


@cache
def resource_dir(name: str) -> Path:
    """Return the folder `name` (`sql`, `expectations`): the package's copy, else the checkout's."""
    packaged = files(__package__ or "tasks") / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    checkout = CHECKOUT_ROOT / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(
        f"newslake's {name}/ folder is missing: not in the package ({packaged}) nor beside it "
        f"({checkout}); reinstall newslake"
    )


def sql_dir() -> Path:
    """Return the folder of views (`staging/`, `marts/`), summaries and table SQL."""
    return resource_dir("sql")


def expectations_dir() -> Path:
    """Return the folder of Great Expectations suites, one JSON file per table."""
    return resource_dir("expectations")


SQL_DIR = sql_dir()
EXPECTATIONS_DIR = expectations_dir()
