"""A team lake: catalog in PostgreSQL, data in an S3 bucket (SeaweedFS), writers on two folders.

Every command runs as `newslake` in a subprocess from a working folder of its own, with the
object store's keys in the standard AWS variables; canary keys and a canary catalog password
must appear in no output, catalog row or object in the bucket.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from tests.pg import Cluster, postgres_cluster_fixture  # noqa: F401
from tests.s3 import ObjectStore, s3_store  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
BUSY_EXIT = 3
KEY_ID = "AKIATEAMLAKECANARY01"
SECRET = "TeamLake/Canary+Secret-x9Q7wz"
PG_PASSWORD = "pgTeamCanary42"  # the cluster trusts local logins: the password is only carried
CANARIES = (KEY_ID, SECRET, PG_PASSWORD)


def make_database(cluster: Cluster, name: str) -> str:
    """Create a database of its own for one lake; return its catalog DSN with a password."""
    with psycopg.connect(cluster.conninfo(database="postgres"), autocommit=True) as pg:
        pg.execute(f'create database "{name}"')
    return f"postgres:{cluster.conninfo(database=name)} password={PG_PASSWORD}"


def working_folder(path: Path, catalog: str, data_path: str, sources: str, **extra: Any) -> Path:
    """Write a newslake.toml naming the shared lake into a folder of its own; return the folder."""
    path.mkdir(parents=True)
    options = "".join(f"{key} = {value!r}\n".replace("'", '"') for key, value in extra.items())
    options = options.replace("False", "false").replace("True", "true")
    (path / "newslake.toml").write_text(
        f'catalog = "{catalog}"\ndata_path = "{data_path}"\n{options}\n{sources}'
    )
    return path


def folder_source() -> str:
    return f'[[sources]]\nname = "examples"\nkind = "folder"\npath = "{ROOT / "examples"}"\n'


def environment(store: ObjectStore) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return os.environ | {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_ENDPOINT_URL": store.endpoint_url,
        "AWS_REGION": "us-east-1",
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
        "PYTHONPATH": str(ROOT),
        "COLUMNS": "200",
    }


def newslake(folder: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start `newslake ARGS` in the working folder."""
    return subprocess.Popen(
        [sys.executable, "-m", "flows.cli", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Wait for the command; return its exit code and stdout + stderr, checked for canaries."""
    out, err = process.communicate(timeout=600)
    text = out + err
    for canary in CANARIES:
        assert canary not in text, f"a secret was shown:\n{text}"
    return process.returncode, text


def run_cli(folder: Path, env: dict[str, str], *args: str) -> str:
    """Run `newslake ARGS` to the end; return its output (exit 0 required)."""
    code, text = finish(newslake(folder, env, *args))
    assert code == 0, text
    return text


def lake_row(status: str) -> dict[str, str]:
    """Return the lake table of `newslake status`'s output (printed wide) as column -> value."""
    lines = [line for line in status.splitlines() if "│" in line or "┃" in line]
    header = next(i for i, line in enumerate(lines) if "size_mb" in line)
    names = [cell.strip() for cell in lines[header].strip("┃ ").split("┃")]
    values = [cell.strip() for cell in lines[header + 1].strip("│ ").split("│")]
    return dict(zip(names, values, strict=True))


def catalog_text(cluster: Cluster, database: str) -> str:
    """Return every row of every table of the catalog database, as text."""
    with psycopg.connect(cluster.conninfo(database=database)) as pg:
        tables = pg.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema')"
        ).fetchall()
        parts = []
        for schema, table in tables:
            query = (
                f'select coalesce(string_agg(t::text, chr(10)), \'\') from "{schema}"."{table}" t'
            )
            row = pg.execute(query).fetchone()
            parts.append(str(row[0] if row else ""))
    return "\n".join(parts)


def section(output: str, name: str) -> str:
    """Return one recipe from `newslake bi`'s output: the lines after its rule, to the next."""
    lines, inside, taken = output.splitlines(), False, []
    for line in lines:
        if line.startswith("─"):
            if inside:
                break
            inside = f" {name} " in line
            continue
        if inside:
            taken.append(line)
    return "\n".join(taken)


def test_a_lake_in_postgres_and_s3_ingests_serves_and_keeps_its_keys(
    prefect_harness: None,
    postgres_cluster_fixture: Cluster,  # noqa: F811
    s3_store: ObjectStore,  # noqa: F811
    tmp_path: Path,
) -> None:
    catalog = make_database(postgres_cluster_fixture, "team_lake")
    data_path = f"s3://{s3_store.bucket}/team/"
    folder = working_folder(tmp_path / "desk", catalog, data_path, folder_source())
    env = environment(s3_store)

    ran = run_cli(folder, env, "run")
    assert "Ingested 20 new articles" in " ".join(ran.split()), ran
    assert not (folder / "lake" / "data").exists()  # the data went to the bucket

    counts = run_cli(folder, env, "sql", "select count(*) as n from articles", "-f", "csv")
    assert counts.splitlines()[1] == "20"
    mentions = run_cli(folder, env, "sql", "select count(*) from mentions", "-f", "csv")
    assert int(mentions.splitlines()[1]) > 0  # extraction ran
    code, refused = finish(newslake(folder, env, "sql", "select * from duckdb_secrets()"))
    assert code == 1 and "refused" in refused
    run_cli(folder, env, "validate")
    size = lake_row(run_cli(folder, {**env, "COLUMNS": "200"}, "status"))
    assert size["articles"] == "20"
    assert int(size["files"]) > 0 and float(size["size_mb"]) > 0  # counted in the bucket
    run_cli(folder, env, "extract")

    recipes = run_cli(folder, env, "bi")
    assert "<AWS_SECRET_ACCESS_KEY>" in recipes and s3_store.endpoint_url.split("//")[1] in recipes
    recipe = section(recipes, "python")
    assert "stg_articles" in recipe
    answer = subprocess.run(
        [sys.executable, "-c", recipe], env=env, capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    assert "20" in answer.stdout

    keys = s3_store.list_keys("team/")
    assert any(key.endswith(".parquet") for key in keys), keys
    for key in keys:  # the lake's own rows (its runs table too) hold no key
        body = httpx.get(f"{s3_store.endpoint_url}/{s3_store.bucket}/{key}", timeout=30).content
        assert not any(canary.encode() in body for canary in CANARIES), key
    stored = catalog_text(postgres_cluster_fixture, "team_lake")
    assert data_path in stored
    assert not any(canary in stored for canary in CANARIES)


class HeldFeed:
    """An RSS feed on 127.0.0.1 whose body is held back until `release()`: the writer fetching
    it holds the lake's lock meanwhile (a byte of whitespace every second keeps it reading)."""

    def __init__(self, body: bytes) -> None:
        self.released = threading.Event()
        self.requested = threading.Event()
        feed = self
        head, rest = body.split(b"<channel>", 1)

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                feed.requested.set()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.end_headers()
                self.wfile.write(head + b"<channel>")
                while not feed.released.wait(1):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                self.wfile.write(rest)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wire.rss"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def release(self) -> None:
        self.released.set()


@pytest.fixture
def held_feed() -> Iterator[HeldFeed]:
    feed = HeldFeed((ROOT / "examples" / "feeds" / "wire.rss").read_bytes())
    feed.thread.start()
    yield feed
    feed.release()
    feed.server.shutdown()
    feed.server.server_close()


def wait_for_writer(cluster: Cluster, database: str, timeout_s: float = 300) -> None:
    """Return once a newslake writer holds its advisory lock in the catalog database."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(cluster.conninfo(database=database), autocommit=True) as pg:
        while time.monotonic() < deadline:
            row = pg.execute(
                "select count(*) from pg_locks l join pg_stat_activity a using (pid) "
                "where l.locktype = 'advisory' and l.granted "
                "and a.application_name like 'newslake writer%%'"
            ).fetchone()
            if row and row[0]:
                return
            time.sleep(0.2)
    raise AssertionError("no writer took the lake's lock")


def test_writers_in_two_folders_take_turns_through_the_catalog(
    prefect_harness: None,
    postgres_cluster_fixture: Cluster,  # noqa: F811
    s3_store: ObjectStore,  # noqa: F811
    held_feed: HeldFeed,
    tmp_path: Path,
) -> None:
    catalog = make_database(postgres_cluster_fixture, "team_writers")
    data_path = f"s3://{s3_store.bucket}/writers/"
    sources = (
        f'{folder_source()}\n[[sources]]\nname = "wire"\nkind = "http"\n'
        f'urls = ["{held_feed.url}"]\ndeadline = 300\n'
    )
    options = {"extract": False}
    desk = working_folder(tmp_path / "desk", catalog, data_path, sources, **options)
    laptop = working_folder(tmp_path / "laptop", catalog, data_path, sources, **options)
    env = environment(s3_store)

    first = newslake(desk, env, "run")
    wait_for_writer(postgres_cluster_fixture, "team_writers")
    code, busy = finish(newslake(laptop, env, "run"))  # writer_wait_s = 0: exits at once
    assert code == BUSY_EXIT, busy
    assert "another newslake run is writing to" in " ".join(busy.split())
    assert "newslake writer on" in " ".join(busy.split())  # who holds it, from PostgreSQL

    patient = newslake(laptop, env | {"NEWSLAKE_WRITER_WAIT_S": "300"}, "run")
    assert held_feed.requested.wait(300)
    held_feed.release()
    code, ran = finish(first)
    assert code == 0, ran
    code, after = finish(patient)
    assert code == 0, after
    assert "Ingested 0 new articles" in " ".join(after.split()), after

    rows = run_cli(
        desk, env, "sql",
        "select (select count(*) from articles), (select count(*) from raw_documents), "
        "(select count(*) from runs where status = 'completed')", "-f", "csv",
    )  # fmt: skip
    articles, raw, completed = (int(v) for v in rows.splitlines()[1].split(","))
    assert raw >= articles
    new = int(" ".join(ran.split()).split("Ingested ")[1].split(" new")[0])
    assert articles == new >= 20  # one run's: the feed's stories are the folder's wire.rss
    assert completed == 2
