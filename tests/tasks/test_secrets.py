from __future__ import annotations

import pytest

from tasks.secrets import has_password, redact, restore_password, strip_password

pytestmark = pytest.mark.unit

CANARY = "Canary-7f3Q"


@pytest.mark.parametrize(
    "value",
    [
        f"postgres:host=db user=lake password={CANARY} dbname=lake",
        f"postgres:dbname=lake password = '{CANARY} x'",
        f"postgres:dbname=lake PASSWORD='it''s{CANARY}'",
        f"postgresql://lake:{CANARY}@db.example:5432/marts",
        f"postgres:postgresql://lake:{CANARY}@db/lake?sslmode=require",
        f"postgresql://lake@db/marts?password={CANARY}&sslmode=require",
        f"error: could not connect to postgresql://lake:{CANARY}@db/marts (timeout)",
    ],
)
def test_redact_and_strip_remove_the_password(value: str) -> None:
    assert has_password(value)
    assert CANARY not in (redact(value) or "")
    assert "***" in (redact(value) or "")
    stripped = strip_password(value) if "error" not in value else None
    if stripped is not None:
        assert CANARY not in stripped and not has_password(stripped)
        assert restore_password(stripped, value) == value


def test_strip_keeps_everything_else() -> None:
    assert strip_password("postgres:host=db user=lake password=x dbname=lake") == (
        "postgres:host=db user=lake dbname=lake"
    )
    assert strip_password("postgresql://lake:x@db:5432/marts?sslmode=require") == (
        "postgresql://lake@db:5432/marts?sslmode=require"
    )
    assert strip_password("postgres:postgresql://lake:x@db/lake") == (
        "postgres:postgresql://lake@db/lake"
    )


def test_strings_without_a_password_are_left_alone() -> None:
    plain = ("postgres:dbname=lake user=me", "postgresql://me@db/marts", "lake/catalog.sqlite")
    for value in plain:
        assert not has_password(value)
        assert redact(value) == value == strip_password(value)
    assert redact(None) is None and strip_password(None) is None


def test_restore_only_from_the_matching_connection_string() -> None:
    full = "postgresql://lake:x@db/marts"
    assert restore_password("postgresql://lake@db/marts", full) == full
    assert (
        restore_password("postgresql://lake@other/marts", full) == "postgresql://lake@other/marts"
    )
    assert restore_password("postgresql://lake@db/marts", None) == "postgresql://lake@db/marts"
