"""Read-only connection recipes for BI tools and clients, with the offline extension paths."""

from __future__ import annotations

import importlib
import json
import shlex
from dataclasses import replace
from pathlib import Path

import duckdb

from tasks.lake import ALIAS, LakeLocation, extensions_for
from tasks.lake.sql import literal
from tasks.lake.storage import S3Credentials, is_remote, secret_recipe_sql
from tasks.secrets import strip_password


def extension_path(name: str) -> Path:
    """Return the extension file the `duckdb_extension_<name>` wheel ships for this DuckDB."""
    module = importlib.import_module(f"duckdb_extension_{name}")
    root = Path(str(module.__file__)).parent
    return root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"


def extension_paths(catalog: str = "sqlite:", data_path: str | None = None) -> dict[str, Path]:
    """Return the extension files a lake with this catalog needs (ducklake, sqlite, postgres for
    a PostgreSQL catalog, httpfs for data in object storage), by extension name."""
    return {name: extension_path(name) for name in extensions_for(catalog, data_path)}


def location_extensions(location: LakeLocation) -> dict[str, Path]:
    """Return the extension files this lake needs, by name."""
    return extension_paths(location.catalog, location.data_path)


def secret_statements(location: LakeLocation, storage: S3Credentials | None) -> list[str]:
    """Return the CREATE SECRET a lake in object storage needs, its keys as placeholders."""
    if not is_remote(location.data_path):
        return []
    return [secret_recipe_sql(storage or S3Credentials(), location.data_path)]


def init_statements(location: LakeLocation, storage: S3Credentials | None = None) -> list[str]:
    """Return the statements that load the extensions from files, set up the object store's
    secret (placeholders for its keys) and attach the lake read-only."""
    loads = [f"load {literal(str(path))}" for path in location_extensions(location).values()]
    secret = secret_statements(location, storage)
    return [*loads, *secret, location.attach_sql(read_only=True), f"use {ALIAS}"]


def init_sql(location: LakeLocation, storage: S3Credentials | None = None) -> str:
    """Return the init SQL a DuckDB client runs once per connection, one statement a line."""
    return "\n".join(f"{statement};" for statement in init_statements(location, storage))


def direct_database(location: LakeLocation) -> str:
    """Return the database path that opens the lake itself (extensions installed beforehand)."""
    return f"ducklake:{location.catalog}"


def install_sql(catalog: str = "sqlite:", data_path: str | None = None) -> str:
    """Return the one-time statements that install the wheel's extensions into ~/.duckdb."""
    paths = extension_paths(catalog, data_path).values()
    return "\n".join(f"install {literal(str(path))};" for path in paths)


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
        f"--   {name}: {path}" for name, path in location_extensions(location).items()
    )
    return f"-- extension files in the duckdb_extensions wheels (no INSTALL):\n{paths}"


def duckdb_cli_recipe(location: LakeLocation, storage: S3Credentials | None = None) -> str:
    """Return the duckdb CLI commands: attach read-only in memory, or open the lake itself."""
    one_line = " ".join(init_sql(location, storage).splitlines())
    return (
        "# the READ_ONLY attach keeps the lake read-only (-readonly cannot apply to :memory:)\n"
        f"duckdb -cmd {shlex.quote(one_line)}\n"
        "# or, once the extensions are installed (install_sql), open the lake itself:\n"
        f"duckdb -readonly {shlex.quote(direct_database(location))}"
    )


def python_recipe(location: LakeLocation, storage: S3Credentials | None = None) -> str:
    """Return a Python snippet that loads the wheel's extensions and attaches the lake."""
    names = extensions_for(location.catalog, location.data_path)
    return (
        "import duckdb\n"
        "import duckdb_extensions\n\n"
        "con = duckdb.connect(config={'autoinstall_known_extensions': False})\n"
        f"for name in {names!r}:\n"
        "    duckdb_extensions.import_extension(name, con=con)\n"
        f"{python_secret(location, storage)}"
        f"con.execute({location.attach_sql(read_only=True)!r})\n"
        f"con.execute('use {ALIAS}')\n"
        "print(con.sql('select count(*) from stg_articles'))\n"
    )


def python_secret(location: LakeLocation, storage: S3Credentials | None) -> str:
    """Return the Python lines that create the object store's secret from the AWS variables."""
    statements = secret_statements(location, storage)
    if not statements:
        return ""
    placeholders = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
    return (
        "con.execute('load httpfs')\n"
        "import os\n\n"
        f"secret = {statements[0]!r}\n"
        f"for variable in {placeholders!r}:  # quoted as SQL literals\n"
        '    value = "\'" + os.environ[variable].replace("\'", "\'\'") + "\'"\n'
        "    secret = secret.replace(f\"'<{variable}>'\", value)\n"
        "con.execute(secret)\n"
    )


def sqlalchemy_recipe(location: LakeLocation, storage: S3Credentials | None = None) -> str:
    """Return a SQLAlchemy snippet whose engine runs the init statements on every connection."""
    statements = "".join(f"        {s!r},\n" for s in init_statements(location, storage))
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
    names = extensions_for(location.catalog, location.data_path)
    return (
        "# once, on the Superset host, as the user Superset runs as:\n"
        'python -c "import duckdb_extensions as d; '
        f'[d.import_extension(n) for n in {names!r}]"\n'
        "# SQLAlchemy URI:\n"
        f"duckdb:///{direct_database(location)}\n"
        "# Advanced > Other > Engine Parameters:\n"
        f"{json.dumps(superset_engine_params())}"
    )


def metabase_dbeaver_recipe(location: LakeLocation, storage: S3Credentials | None = None) -> str:
    """Return where Metabase and DBeaver take the init SQL, then the init SQL."""
    return (
        "-- Metabase (DuckDB driver): database file ':memory:', paste into 'Init SQL'.\n"
        "-- DBeaver (DuckDB, in-memory): Connection settings > Initialization > "
        "Bootstrap queries.\n"
        f"{init_sql(location, storage)}"
    )


def connection_recipes(
    location: LakeLocation, storage: S3Credentials | None = None
) -> dict[str, str]:
    """Return copy-pasteable read-only recipes by client: CLI, Python, SQLAlchemy, Superset, ...

    A password in the catalog DSN is left out of every recipe: the client's libpq reads it from
    PGPASSWORD or ~/.pgpass (README, Secrets). A lake in object storage gets the secret's
    endpoint and region from `storage`, its keys as placeholders (the Python recipe reads the AWS
    variables).
    """
    location = replace(location, catalog=strip_password(location.catalog) or location.catalog)
    return {
        "extensions": extensions_recipe(location),
        "init_sql": init_sql(location, storage),
        "duckdb_cli": duckdb_cli_recipe(location, storage),
        "install_sql": install_sql(location.catalog, location.data_path),
        "python": python_recipe(location, storage),
        "sqlalchemy": sqlalchemy_recipe(location, storage),
        "superset_uri": f"duckdb:///{direct_database(location)}",
        "superset_engine_params": json.dumps(superset_engine_params(), indent=2),
        "superset": superset_recipe(location),
        "metabase_dbeaver": metabase_dbeaver_recipe(location, storage),
    }
