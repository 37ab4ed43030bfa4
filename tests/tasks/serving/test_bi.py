from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

from tasks import lake
from tasks.serving.bi import connection_recipes, extension_paths, init_statements
from tests.tasks.serving.test_report_html import ARTICLE_COUNT, build_small_lake

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
WRITE = "insert into articles (article_id) values ('intruder')"


@pytest.fixture
def location(tmp_path: Path) -> lake.LakeLocation:
    return build_small_lake(tmp_path / "lake")


def run_recipe(code: str) -> dict[str, object]:
    """Run a recipe's Python code and return its globals."""
    scope: dict[str, object] = {}
    exec(compile(code, "<recipe>", "exec"), scope)
    return scope


def test_recipes_name_the_offline_extension_files(location: lake.LakeLocation) -> None:
    recipes = connection_recipes(location)
    for path in extension_paths().values():
        assert path.is_file()
        assert f"load '{path}'" in recipes["init_sql"]
        assert str(path) in recipes["extensions"]
    assert "(READ_ONLY)" in recipes["init_sql"]
    assert recipes["duckdb_cli"].startswith("#") and "duckdb -cmd" in recipes["duckdb_cli"]
    assert recipes["superset_uri"] == f"duckdb:///ducklake:{location.catalog}"


def test_recipes_for_a_postgres_catalog_also_load_the_postgres_extension() -> None:
    catalog = "postgres:host=db.example dbname=newslake_catalog user=bi"
    location = lake.LakeLocation(catalog=catalog, data_path="/srv/lake/data/")
    recipes = connection_recipes(location)
    postgres = extension_paths(catalog)["postgres_scanner"]
    assert postgres.is_file() and "postgres_scanner" not in extension_paths()
    assert f"load '{postgres}'" in recipes["init_sql"]
    assert f"attach 'ducklake:{catalog}' as lake (READ_ONLY)" in recipes["init_sql"]
    assert "'postgres_scanner'" in recipes["python"] and "'postgres_scanner'" in recipes["superset"]


def test_init_sql_attaches_read_only_in_a_fresh_connection(location: lake.LakeLocation) -> None:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    try:
        for statement in connection_recipes(location)["init_sql"].split(";\n"):
            con.execute(statement.rstrip(";"))
        assert con.execute("select count(*) from stg_articles").fetchone() == (ARTICLE_COUNT,)
        with pytest.raises(duckdb.Error, match="read-only|read only"):
            con.execute(WRITE)
    finally:
        con.close()


def test_python_recipe_reads_views_and_cannot_write(
    location: lake.LakeLocation, capsys: pytest.CaptureFixture[str]
) -> None:
    scope = run_recipe(connection_recipes(location)["python"])
    con = scope["con"]
    try:
        assert str(ARTICLE_COUNT) in capsys.readouterr().out
        total = con.execute("select sum(articles) from mart_articles_per_day").fetchone()
        assert total == (ARTICLE_COUNT,)
        with pytest.raises(duckdb.Error, match="read-only|read only"):
            con.execute(WRITE)
    finally:
        con.close()


def test_sqlalchemy_recipe_queries_a_view_read_only(
    location: lake.LakeLocation, capsys: pytest.CaptureFixture[str]
) -> None:
    scope = run_recipe(connection_recipes(location)["sqlalchemy"])
    engine = scope["engine"]
    try:
        assert f"[({ARTICLE_COUNT},)]" in capsys.readouterr().out
        with engine.connect() as connection:  # type: ignore[attr-defined]
            rows = connection.execute(text("select count(*) from stg_articles")).all()
            assert rows == [(ARTICLE_COUNT,)]
            with pytest.raises(Exception, match="read-only|read only"):
                connection.execute(text(WRITE))
    finally:
        engine.dispose()  # type: ignore[attr-defined]


# a separate process: Superset opens the lake itself, with its own DuckDB instance
SUPERSET = textwrap.dedent(
    """
    import json, sys
    import duckdb_extensions
    from sqlalchemy import create_engine, text

    for name in ("ducklake", "sqlite_scanner"):
        duckdb_extensions.import_extension(name)  # the recipe's one-time install
    uri, params = sys.argv[1], json.loads(sys.argv[2])
    engine = create_engine(uri, **params)
    with engine.connect() as connection:
        count = connection.execute(text("select count(*) from stg_articles")).scalar_one()
        try:
            connection.execute(text(sys.argv[3]))
            print("WROTE")
        except Exception as error:
            print("REFUSED", type(error).__name__, error)
    print("COUNT", count)
    """
)


def test_superset_uri_and_engine_params_read_the_lake(location: lake.LakeLocation) -> None:
    recipes = connection_recipes(location)
    params = json.loads(recipes["superset_engine_params"])
    assert json.dumps(params) in recipes["superset"]
    result = subprocess.run(
        [sys.executable, "-c", SUPERSET, recipes["superset_uri"], json.dumps(params), WRITE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"COUNT {ARTICLE_COUNT}" in result.stdout
    assert "REFUSED" in result.stdout and "WROTE" not in result.stdout


def test_init_statements_end_in_the_lake(location: lake.LakeLocation) -> None:
    statements = init_statements(location)
    assert statements[-2] == location.attach_sql(read_only=True)
    assert statements[-1] == "use lake"
