"""The built wheel stands alone: installed (not editable) in a fresh venv, it runs the examples.

The virtualenv reuses the project's installed dependencies through a `.pth` file naming the project
venv's site-packages (a `.pth` line only adds the folder: the `.pth` files inside it, such as the
editable install's finder, are not run), so the checkout is not importable from it.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "README.md", "flows", "tasks", "sql", "expectations")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
MAPPED = {"sql": "tasks/sql", "expectations": "tasks/expectations"}  # pyproject's package-dir


def run(
    command: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result


def source_files(root: Path) -> set[str]:
    """Return the files the wheel must hold, as wheel paths: code, SQL, suites, extraction data."""
    wanted = set()
    for pattern in ("flows/**/*.py", "tasks/**/*.py", "tasks/**/data/*.csv", "tasks/**/*.js"):
        wanted |= {p.relative_to(root).as_posix() for p in root.glob(pattern)}
    for folder, pattern in (("sql", "**/*.sql"), ("expectations", "*.json")):
        for path in (root / folder).glob(pattern):
            wanted.add(f"{MAPPED[folder]}/{path.relative_to(root / folder).as_posix()}")
    return {p for p in wanted if "__pycache__" not in p}


@pytest.mark.unit
def test_pyproject_lists_every_package_of_the_tree() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    packages = set(config["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("flows", "tasks")
        for init in (ROOT / top).rglob("__init__.py")
    }
    mapped = {f"tasks.{folder}" for folder in MAPPED}
    assert packages == on_disk | mapped
    assert config["setuptools"]["package-dir"] == {f"tasks.{f}": f for f in MAPPED}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Build the wheel from a copy of the build inputs, install it in a fresh venv; return paths."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=IGNORED)
        else:
            shutil.copy2(ROOT / name, src / name)
    dist = base / "dist"
    build = run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", dist], cwd=src, timeout=300
    )
    log = build.stdout + build.stderr
    assert "warning" not in log.lower(), log
    (wheel,) = dist.glob("newslake-*.whl")

    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=base)
    python = venv / "bin" / "python"
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=base
    ).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (Path(purelib) / "newslake-deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--no-deps",
            "--no-index",
            wheel,
        ],
        cwd=base,
        timeout=300,
    )
    return {"base": base, "wheel": wheel, "venv": venv, "python": python, "site": Path(purelib)}


def clean_env(home: Path) -> dict[str, str]:
    """The environment for the installed command: no PYTHONPATH, no NEWSLAKE_* or Prefect server."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSLAKE_", "PREFECT_")) and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    return env | {
        "PYTHONNOUSERSITE": "1",
        "PREFECT_HOME": str(home / "prefect"),  # the run starts its own temporary server
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",  # 20 s is short on 2 busy cores
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "COLUMNS": "240",
    }


@pytest.mark.integration
@pytest.mark.slow
def test_wheel_holds_code_sql_and_suites(installed: dict[str, Path]) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    missing = source_files(installed["base"] / "src") - names
    assert not missing, f"not in the wheel: {sorted(missing)}"
    assert not any(name.startswith(("sql/", "expectations/", "tests/")) for name in names)


@pytest.mark.integration
@pytest.mark.slow
def test_installed_wheel_runs_the_examples_outside_the_checkout(
    installed: dict[str, Path],
) -> None:
    work = installed["base"] / "work"
    assert not work.resolve().is_relative_to(ROOT)
    shutil.copytree(ROOT / "examples", work / "examples")
    env = clean_env(work)
    newslake = installed["venv"] / "bin" / "newslake"

    where = run(
        [
            installed["python"],
            "-c",
            "import json, sys, flows, tasks, tasks.resources as r; print(json.dumps({"
            "'flows': flows.__file__, 'tasks': tasks.__file__, 'sql': str(r.SQL_DIR),"
            " 'expectations': str(r.EXPECTATIONS_DIR), 'path': sys.path}))",
        ],
        cwd=work,
        env=env,
    )
    found = json.loads(where.stdout)
    for key in ("flows", "tasks", "sql", "expectations"):
        assert Path(found[key]).is_relative_to(installed["site"]), (key, found[key])
    assert not any(p and Path(p).resolve() == ROOT for p in found["path"]), found["path"]

    ran = run([newslake, "run", "--source", work / "examples", "--lake", "lake"], cwd=work, env=env)
    out = ran.stdout.replace("\n", " ")
    assert "Ingested 20 new articles" in out, ran.stdout + ran.stderr
    assert "Data Docs:" in out and (work / "lake" / "docs").is_dir()

    def sql(query: str) -> list[dict]:
        result = run(
            [newslake, "sql", query, "--lake", "lake", "--format", "json"], cwd=work, env=env
        )
        return [json.loads(line) for line in result.stdout.splitlines()]

    (counts,) = sql(
        "select (select count(*) from articles) as articles,"
        " (select count(*) from stg_articles) as staged,"
        " (select sum(articles) from mart_articles_per_day) as per_day,"
        " (select count(*) from mentions) as mentions,"
        " (select count(distinct suite) from validation_results) as suites,"
        " (select count(*) from validation_results) as checks"
    )
    assert counts["articles"] == counts["staged"] == 20
    assert 0 < counts["per_day"] <= 20
    assert counts["mentions"] > 0
    assert counts["suites"] == 8 and counts["checks"] > 0

    validated = run([newslake, "validate", "--lake", "lake"], cwd=work, env=env)
    assert "every expectation passed" in validated.stdout
