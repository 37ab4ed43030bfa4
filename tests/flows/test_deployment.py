"""prefect.yaml deploys to a local Prefect server, and a run of its schedule executes through a
process worker started from the CLI, committing into the lake."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
STORIES = {
    "ferry.txt": "Night ferry returns to the islands",
    "orchard.txt": "Orchard growers count a late frost",
    "tram.txt": "Tram line opens its northern loop",
}
DEPLOYMENT = "newslake-ingest"
# a machine this loaded (2 cores, other suites running) needs minutes for what takes seconds
CLI_TIMEOUT_S = 300


@pytest.fixture
def api(prefect_harness: None) -> Iterator[httpx.Client]:
    """A client of the session's throwaway Prefect server (an ephemeral one: no scheduler
    service, so the only runs are the ones a test asks a deployment's schedule for)."""
    from prefect.settings import PREFECT_API_URL

    with httpx.Client(base_url=str(PREFECT_API_URL.value()), timeout=30) as client:
        yield client


def write_project(project: Path) -> dict[str, Any]:
    """Write a checkout-like folder: the shipped prefect.yaml with its parameters pointed at
    stories of our own (relative paths, read from the folder the pull step moves to)."""
    (project / "stories").mkdir(parents=True)
    for name, title in STORIES.items():
        body = f"LERWICK (Reuters) - {title}, the council said on Monday in a short statement."
        (project / "stories" / name).write_text(f"{title}\n\n{body}\n")
    (project / "flows").symlink_to(ROOT / "flows", target_is_directory=True)
    config = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    config["deployments"][0]["parameters"] = {
        "lake_path": "lake",
        "sources": [{"name": "stories", "kind": "folder", "path": "stories"}],
        "extract": False,  # spaCy's own tests cover it; this one is about the deployment
        "validate_batches": False,
    }
    (project / "prefect.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return config


def run_cli(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    """Run a prefect CLI command to its end (its whole process group stopped on a timeout);
    return its output, failing the test when it fails."""
    command = [sys.executable, "-m", "prefect", *args]
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        output = process.communicate(timeout=CLI_TIMEOUT_S)[0]
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output = process.communicate()[0]
        pytest.fail(f"`prefect {' '.join(args)}` ran past {CLI_TIMEOUT_S} s:\n{output[-3000:]}")
    assert process.returncode == 0, f"`prefect {' '.join(args)}` failed:\n{output[-3000:]}"
    return output


def create_process_pool(api: httpx.Client, name: str) -> None:
    """Create a process work pool, as `prefect work-pool create NAME --type process` does."""
    from prefect.workers.process import ProcessWorker

    template = ProcessWorker.get_default_base_job_template()
    response = api.post("/work_pools/", json={"name": name, "type": "process",
                                              "base_job_template": template})  # fmt: skip
    response.raise_for_status()


def schedule_due_run(api: httpx.Client, deployment_id: str) -> dict[str, Any]:
    """Have the server make the deployment's last scheduled run from its own schedule (the
    scheduler service's code path, over the last 15 minutes, so the run is due now)."""
    now = datetime.now(UTC)
    window = {"start_time": (now - timedelta(minutes=15)).isoformat(), "end_time": now.isoformat()}
    api.post(f"/deployments/{deployment_id}/schedule", json=window | {"max_runs": 1})
    runs = api.post(
        "/flow_runs/filter", json={"deployments": {"id": {"any_": [deployment_id]}}}
    ).json()
    assert len(runs) == 1, runs
    return dict(runs[0])


def remove_deployment(api: httpx.Client, pool: str) -> None:
    """Delete the deployment and its work pool: the session's server outlives the test."""
    found = api.get(f"/deployments/name/ingest/{DEPLOYMENT}")
    if found.status_code == 200:
        api.delete(f"/deployments/{found.json()['id']}")
    api.delete(f"/work_pools/{pool}")


def test_prefect_yaml_deploys_and_a_scheduled_run_commits_through_a_process_worker(
    api: httpx.Client, tmp_path: Path, lake_query
) -> None:
    project = tmp_path / "project"
    config = write_project(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")} | {
        "PREFECT_API_URL": str(api.base_url).rstrip("/"),
        "PREFECT_HOME": str(tmp_path / "prefect-home"),  # the CLI's profiles, not ~/.prefect
    }
    pool = config["deployments"][0]["work_pool"]["name"]
    create_process_pool(api, pool)
    try:
        run_cli(["--no-prompt", "deploy", "--all"], project, env)
        deployment = api.get(f"/deployments/name/ingest/{DEPLOYMENT}").json()
        flow_run = schedule_due_run(api, deployment["id"])
        # --prefetch-seconds 0: only runs due now, never the next one of the cron
        run_cli(["worker", "start", "--pool", pool, "--run-once", "--prefetch-seconds", "0"],
                tmp_path, env)  # fmt: skip
        finished = api.get(f"/flow_runs/{flow_run['id']}").json()
    finally:
        remove_deployment(api, pool)

    assert deployment["work_pool_name"] == "newslake"
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert [s["schedule"]["cron"] for s in deployment["schedules"]] == ["*/15 * * * *"]
    assert deployment["pull_steps"] == [
        {"prefect.deployments.steps.set_working_directory": {"directory": str(project.resolve())}}
    ]
    assert flow_run["auto_scheduled"] and flow_run["state"]["type"] == "SCHEDULED"
    assert finished["state"]["type"] == "COMPLETED", finished["state"]
    lake = project / "lake"  # relative to the folder the pull step moved the run to
    assert lake_query("select title from articles order by title", lake) == [
        (title,) for title in sorted(STORIES.values())
    ]
    assert lake_query("select run_id, status, articles_new from runs", lake) == [
        (flow_run["id"], "completed", len(STORIES))
    ]
