"""The object store's secret: quoting, placeholders, redaction; what a query may not see."""

from __future__ import annotations

import duckdb
import pytest

from tasks.lake import QueryRefused, run_query
from tasks.lake.connection import extensions_for
from tasks.lake.storage import (
    S3Credentials,
    StorageError,
    create_secret_sql,
    endpoint_options,
    is_remote,
    open_object_store,
    secret_recipe_sql,
    without_keys,
)

pytestmark = pytest.mark.unit

KEYS = S3Credentials(
    key_id="AKIAUNITCANARY", secret="it's/a+secret", endpoint_url="http://127.0.0.1:9000"
)


def test_remote_data_paths_need_httpfs() -> None:
    assert is_remote("s3://bucket/lake/") and is_remote("S3://b/")
    assert not is_remote("/data/lake/") and not is_remote(None)
    assert extensions_for("sqlite:x", "s3://b/p/")[-1] == "httpfs"
    assert "httpfs" not in extensions_for("postgres:dbname=x", "/data/")


def test_endpoint_url_gives_host_port_tls_and_path_style() -> None:
    assert endpoint_options("http://127.0.0.1:9000") == {
        "endpoint": "127.0.0.1:9000",
        "use_ssl": "false",
        "url_style": "path",
    }
    assert endpoint_options("https://minio.example:443")["use_ssl"] == "true"
    assert endpoint_options("minio.example")["endpoint"] == "minio.example"
    assert endpoint_options(None) == {}


def test_keys_are_quoted_into_the_secret_and_never_into_its_repr_or_recipe() -> None:
    sql = create_secret_sql(KEYS, "s3://b/it's/")
    assert "'it''s/a+secret'" in sql and "'s3://b/it''s/'" in sql
    con = duckdb.connect()
    assert con.extract_statements(sql)  # one statement, whatever the values hold
    assert "AKIAUNITCANARY" not in repr(KEYS) and "secret" not in repr(KEYS).split("(")[1]
    recipe = secret_recipe_sql(KEYS, "s3://b/p/")
    assert "'<AWS_SECRET_ACCESS_KEY>'" in recipe and "'<AWS_ACCESS_KEY_ID>'" in recipe
    assert "it''s" not in recipe and "AKIAUNITCANARY" not in recipe
    assert without_keys("key AKIAUNITCANARY and it's/a+secret", KEYS) == "key *** and ***"


def test_a_bad_endpoint_is_one_clear_error() -> None:
    with pytest.raises(StorageError, match="AWS_ENDPOINT_URL"):
        endpoint_options("http://")


def test_a_query_cannot_list_the_secret() -> None:
    con = duckdb.connect(config={"autoinstall_known_extensions": False})
    open_object_store(con, "s3://bucket/lake/", KEYS)
    assert con.execute("select count(*) from duckdb_secrets()").fetchone() == (1,)
    for text in (
        "select * from duckdb_secrets()",
        "select secret_string from (from duckdb_secrets())",
        "select * from which_secret('s3://bucket/lake/x', 's3')",
    ):
        with pytest.raises(QueryRefused):
            run_query(con, text)
