"""`newslake run` keeps the exit code the flow's outcome chose (typer.Exit is a RuntimeError)."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from flows import cli_ingest
from flows.cli import app
from flows.cli_common import BUSY_EXIT

pytestmark = pytest.mark.unit


def test_a_busy_lake_exits_with_the_busy_code(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    def busy(*args: Any, **kwargs: Any) -> dict:
        raise typer.Exit(BUSY_EXIT)

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # no server is started
    monkeypatch.setattr(cli_ingest, "run_ingest", busy)
    result = CliRunner().invoke(app, ["run", "--source", str(tmp_path), "--lake", str(tmp_path)])
    assert result.exit_code == BUSY_EXIT, result.output
