"""The gazetteer's cache: the tables loaded from it equal the tables built, and a bad cache
file is rebuilt instead of failing."""

from __future__ import annotations

import pytest

from tasks.extraction import gazetteer

pytestmark = pytest.mark.unit


def _lookups(tables: gazetteer.Gazetteer) -> dict[str, list[dict]]:
    return {key: [location.fields() for location in found] for key, found in tables.names.items()}


@pytest.fixture
def fresh(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSLAKE_CACHE_DIR", str(tmp_path))
    gazetteer.load_gazetteer.cache_clear()
    yield tmp_path
    gazetteer.load_gazetteer.cache_clear()


def test_cached_tables_equal_built_tables(fresh):
    built = gazetteer.load_gazetteer()
    (cached_file,) = fresh.glob("gazetteer-*.pickle")
    gazetteer.load_gazetteer.cache_clear()
    loaded = gazetteer.load_gazetteer()
    assert loaded is not built  # read from the file, not the same object
    assert _lookups(loaded) == _lookups(built)
    assert loaded.regions.keys() == built.regions.keys()
    assert loaded.demonyms.keys() == built.demonyms.keys()
    assert loaded.city_admins == built.city_admins
    assert cached_file.exists()


def test_a_damaged_cache_file_is_rebuilt(fresh):
    path = fresh / f"gazetteer-{gazetteer._cache_key()}.pickle"
    path.write_bytes(b"not a pickle")
    tables = gazetteer.load_gazetteer()
    assert tables.names["paris"][0].country_code == "FR"
    assert path.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_folder_still_gives_the_tables(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NEWSLAKE_CACHE_DIR", str(blocker / "below"))
    gazetteer.load_gazetteer.cache_clear()
    try:
        assert gazetteer.load_gazetteer().names["paris"][0].country_code == "FR"
    finally:
        gazetteer.load_gazetteer.cache_clear()


def test_other_versions_tables_are_removed(fresh):
    stale = fresh / "gazetteer-0000000000000000.pickle"
    stale.write_bytes(b"old")
    gazetteer.load_gazetteer()
    assert not stale.exists()
