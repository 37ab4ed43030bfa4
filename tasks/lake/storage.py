"""Data files in S3-compatible object storage: the credentials, the DuckDB secret that reads them.

A lake whose `data_path` is `s3://bucket/prefix/` keeps its Parquet files in a bucket. DuckDB's
httpfs extension reads and writes them through a secret made from the standard AWS variables
(which flows read: `flows.settings.s3_credentials`). The secret exists only in the connection's
memory: its values are quoted into CREATE SECRET once, never printed, logged or stored, and
taken out of any error message that might quote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import duckdb
import duckdb_extensions

from tasks.lake.sql import literal
from tasks.secrets import MASK

REMOTE_SCHEMES = ("s3://",)
SECRET_NAME = "newslake_s3"
DEFAULT_REGION = "us-east-1"
# what a recipe shows where a person puts the values in
KEY_ID_PLACEHOLDER = "<AWS_ACCESS_KEY_ID>"
SECRET_PLACEHOLDER = "<AWS_SECRET_ACCESS_KEY>"


class StorageError(RuntimeError):
    """The object store could not be set up; the message never holds a key."""


@dataclass(frozen=True)
class S3Credentials:
    """Keys, endpoint and region for an S3-compatible store; the keys never show in a repr."""

    key_id: str | None = field(default=None, repr=False)
    secret: str | None = field(default=None, repr=False)
    endpoint_url: str | None = None
    region: str | None = None

    def hidden(self) -> tuple[str, ...]:
        """Return the values no message may contain."""
        return tuple(value for value in (self.key_id, self.secret) if value)


def is_remote(data_path: str | None) -> bool:
    """Return whether the data path names object storage rather than a local folder."""
    return bool(data_path) and str(data_path).lower().startswith(REMOTE_SCHEMES)


def endpoint_options(endpoint_url: str | None) -> dict[str, str]:
    """Return DuckDB's ENDPOINT, USE_SSL and URL_STYLE for an endpoint URL (none: AWS itself).

    A custom endpoint (MinIO, SeaweedFS, Ceph) is addressed by path, `bucket` after the host;
    its scheme says whether to use TLS.
    """
    if not endpoint_url:
        return {}
    parts = urlsplit(endpoint_url if "://" in endpoint_url else f"https://{endpoint_url}")
    if not parts.netloc:
        raise StorageError("AWS_ENDPOINT_URL is not a URL such as http://127.0.0.1:8333")
    return {
        "endpoint": parts.netloc,
        "use_ssl": "true" if parts.scheme != "http" else "false",
        "url_style": "path",
    }


def secret_options(
    credentials: S3Credentials, scope: str, key_id: str | None, secret: str | None
) -> str:
    """Return the option list of CREATE SECRET, each value quoted by `literal`."""
    options = {"type": "s3"}
    values = {
        "key_id": key_id,
        "secret": secret,
        "region": credentials.region or DEFAULT_REGION,
        "scope": scope,
    }
    text = [f"{name} {value}" for name, value in options.items()]
    text += [f"{name} {literal(value)}" for name, value in values.items() if value]
    for name, value in endpoint_options(credentials.endpoint_url).items():
        text.append(f"{name} {value if name == 'use_ssl' else literal(value)}")
    return ", ".join(text)


def create_secret_sql(credentials: S3Credentials, scope: str) -> str:
    """Return the CREATE SECRET statement holding the credentials (never to be shown)."""
    options = secret_options(credentials, scope, credentials.key_id, credentials.secret)
    return f"create or replace temporary secret {SECRET_NAME} ({options})"


def secret_recipe_sql(credentials: S3Credentials, scope: str) -> str:
    """Return CREATE SECRET for a recipe: endpoint and region filled in, keys as placeholders."""
    options = secret_options(credentials, scope, KEY_ID_PLACEHOLDER, SECRET_PLACEHOLDER)
    return f"create or replace temporary secret {SECRET_NAME} ({options})"


def without_keys(text: str, credentials: S3Credentials | None) -> str:
    """Return the text with every key value replaced by ***."""
    for value in credentials.hidden() if credentials else ():
        text = text.replace(value, MASK)
    return text


def open_object_store(
    con: duckdb.DuckDBPyConnection, data_path: str, credentials: S3Credentials | None
) -> None:
    """Load httpfs into the connection and give it the secret for the data path's bucket."""
    credentials = credentials or S3Credentials()
    try:
        duckdb_extensions.import_extension("httpfs", con=con)
        con.execute("load httpfs")  # import_extension installs; S3 secrets need it loaded
        con.execute(create_secret_sql(credentials, data_path))
    except duckdb.Error as error:
        message = without_keys(str(error), credentials)
        raise StorageError(f"cannot set up object storage for {data_path}: {message}") from None
