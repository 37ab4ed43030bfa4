"""Read-only connection recipes for BI tools and clients, with the offline extension paths."""

from __future__ import annotations

import importlib
import json
from dataclasses import replace
from pathlib import Path

import duckdb

from tasks.lake import ALIAS, LakeLocation, extensions_for
from tasks.lake.sql import literal
from tasks.secrets import strip_password


def extension_path(name: str) -> Path:
    """Return the extension file the `duckdb_extension_<name>` wheel ships for this DuckDB."""
    module = importlib.import_module(f"duckdb_extension_{name}")
    root = Path(str(module.__file__)).parent
    return root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"


def extension_paths(catalog: str = "sqlite:") -> dict[str, Path]:
    """Return the extension files a lake with this catalog needs (ducklake, sqlite, and postgres
    for a PostgreSQL catalog), by extension name."""
    return {name: extension_path(name) for name in extensions_for(catalog)}


def init_statements(location: LakeLocation) -> list[str]:
    """Return the statements that load the extensions from files and attach the lake read-only."""
    loads = [f"load {literal(str(path))}" for path in extension_paths(location.catalog).values()]
    return [*loads, location.attach_sql(read_only=True), f"use {ALIAS}"]


def init_sql(location: LakeLocation) -> str:
    """Return the init SQL a DuckDB client runs once per connection, one statement a line."""
    return "\n".join(f"{statement};" for statement in init_statements(location))


def direct_database(location: LakeLocation) -> str:
    """Return the database path that opens the lake itself (extensions installed beforehand)."""
    return f"ducklake:{location.catalog}"


def install_sql(catalog: str = "sqlite:") -> str:
    """Return the one-time statements that install the wheel's extensions into ~/.duckdb."""
    return "\n".join(f"install {literal(str(path))};" for path in extension_paths(catalog).values())


def superset_engine_params() -> dict[str, object]:
    """Return Superset's engine parameters: a read-only DuckDB that downloads nothing."""
    return {
        "connect_args": {
            "read_only": True,
            "config": {"autoinstall_known_extensions": False},
        }
    }


def extensions_recipe(location: LakeLocation) -> str:
    """Return where the extension files are, one per line, as SQL comments."""
    paths = "\n".join(
        f"--   {name}: {path}" for name, path in extension_paths(location.catalog).items()
    )
    return f"-- extension files in the duckdb_extensions wheels (no INSTALL):\n{paths}"


def duckdb_cli_recipe(location: LakeLocation) -> str:
    """Return the duckdb CLI commands: attach read-only in memory, or open the lake itself."""
    one_line = " ".join(init_sql(location).splitlines())
    return (
        "# the READ_ONLY attach keeps the lake read-only (-readonly cannot apply to :memory:)\n"
        f'duckdb -cmd "{one_line}"\n'
        "# or, once the extensions are installed (install_sql), open the lake itself:\n"
        f"duckdb -readonly '{direct_database(location)}'"
    )


def python_recipe(location: LakeLocation) -> str:
    """Return a Python snippet that loads the wheel's extensions and attaches the lake."""
    names = extensions_for(location.catalog)
    return (
        "import duckdb\n"
        "import duckdb_extensions\n\n"
        "con = duckdb.connect(config={'autoinstall_known_extensions': False})\n"
        f"for name in {names!r}:\n"
        "    duckdb_extensions.import_extension(name, con=con)\n"
        f"con.execute({location.attach_sql(read_only=True)!r})\n"
        f"con.execute('use {ALIAS}')\n"
        "print(con.sql('select count(*) from stg_articles'))\n"
    )


def sqlalchemy_recipe(location: LakeLocation) -> str:
    """Return a SQLAlchemy snippet whose engine runs the init statements on every connection."""
    statements = "".join(f"        {s!r},\n" for s in init_statements(location))
    return (
        "from sqlalchemy import create_engine, event, text\n\n"
        "engine = create_engine(\n"
        "    'duckdb:///:memory:',\n"
        "    connect_args={'config': {'autoinstall_known_extensions': False}},\n"
        ")\n\n\n"
        "@event.listens_for(engine, 'connect')\n"
        "def attach_lake(dbapi_connection, connection_record):\n"
        "    for statement in [\n"
        f"{statements}"
        "    ]:\n"
        "        dbapi_connection.execute(statement)\n\n\n"
        "with engine.connect() as connection:\n"
        "    print(connection.execute(text('select count(*) from stg_articles')).all())\n"
    )


def superset_recipe(location: LakeLocation) -> str:
    """Return Superset's setup: install the extensions once, the URI, the engine parameters."""
    names = extensions_for(location.catalog)
    return (
        "# once, on the Superset host, as the user Superset runs as:\n"
        'python -c "import duckdb_extensions as d; '
        f'[d.import_extension(n) for n in {names!r}]"\n'
        "# SQLAlchemy URI:\n"
        f"duckdb:///{direct_database(location)}\n"
        "# Advanced > Other > Engine Parameters:\n"
        f"{json.dumps(superset_engine_params())}"
    )


def metabase_dbeaver_recipe(location: LakeLocation) -> str:
    """Return where Metabase and DBeaver take the init SQL, then the init SQL."""
    return (
        "-- Metabase (DuckDB driver): database file ':memory:', paste into 'Init SQL'.\n"
        "-- DBeaver (DuckDB, in-memory): Connection settings > Initialization > "
        "Bootstrap queries.\n"
        f"{init_sql(location)}"
    )


def connection_recipes(location: LakeLocation) -> dict[str, str]:
    """Return copy-pasteable read-only recipes by client: CLI, Python, SQLAlchemy, Superset, ...

    A password in the catalog DSN is left out of every recipe: the client's libpq reads it from
    PGPASSWORD or ~/.pgpass (README, Secrets).
    """
    location = replace(location, catalog=strip_password(location.catalog) or location.catalog)
    return {
        "extensions": extensions_recipe(location),
        "init_sql": init_sql(location),
        "duckdb_cli": duckdb_cli_recipe(location),
        "install_sql": install_sql(location.catalog),
        "python": python_recipe(location),
        "sqlalchemy": sqlalchemy_recipe(location),
        "superset_uri": f"duckdb:///{direct_database(location)}",
        "superset_engine_params": json.dumps(superset_engine_params(), indent=2),
        "superset": superset_recipe(location),
        "metabase_dbeaver": metabase_dbeaver_recipe(location),
    }
