"""The writer lock of a PostgreSQL catalog: an advisory lock in the catalog's database."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tasks.lake.lock import LakeBusyError, advisory_key, catalog_writer_lock, lake_writer_lock
from tests.pg import Cluster, postgres_cluster_fixture  # noqa: F401

pytestmark = pytest.mark.integration


def test_keys_are_stable_and_differ_by_schema() -> None:
    assert advisory_key("public") == advisory_key("public") != advisory_key("desk")
    assert -(2**63) <= advisory_key("public") < 2**63


def test_a_second_writer_is_refused_then_gets_the_lock_once_released(
    postgres_cluster_fixture: Cluster,  # noqa: F811
) -> None:
    one = f"postgres:{postgres_cluster_fixture.conninfo()}"
    # the same catalog spelled another way still maps to the same lock
    other = f"postgres:dbname={postgres_cluster_fixture.database} user=postgres " + (
        f"port={postgres_cluster_fixture.port} host=127.0.0.1 password=lockCanary"
    )
    with catalog_writer_lock(one):
        with pytest.raises(LakeBusyError) as busy, catalog_writer_lock(other):
            pass
        assert "newslake writer on" in str(busy.value)
        assert "lockCanary" not in str(busy.value)
    with catalog_writer_lock(other):  # released at the end of the block
        pass


def test_a_waiting_writer_takes_the_lock_when_the_first_ends(
    postgres_cluster_fixture: Cluster,  # noqa: F811
    tmp_path: Path,
) -> None:
    catalog = f"postgres:{postgres_cluster_fixture.conninfo()}"
    held, release, got = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with catalog_writer_lock(catalog):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=first)
    thread.start()
    assert held.wait(30)
    release.set()
    with lake_writer_lock(catalog, tmp_path / "unused", wait_s=60):
        got.set()
    thread.join(30)
    assert got.is_set()
    assert not (tmp_path / "unused").exists()  # no lock file for a PostgreSQL catalog
