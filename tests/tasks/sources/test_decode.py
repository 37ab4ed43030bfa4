"""Tests for tasks/sources/decode.py: binary sniffing and text decoding."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from tasks.sources.decode import (
    DecodeError,
    decode_text,
    detect_encoding,
    is_binary,
    is_mostly_utf8,
    repair_utf8,
)

pytestmark = pytest.mark.unit

PORTUGUESE = "Eleições: votação começa às 8h em São Paulo; até lá, ninguém sabe."


def test_plain_utf8_is_utf8() -> None:
    assert decode_text("Zürich £5 – “quoted”".encode()) == ("Zürich £5 – “quoted”", "utf-8")


def test_bom_is_honoured_and_dropped() -> None:
    text, encoding = decode_text(codecs.BOM_UTF8 + "café".encode())
    assert (text, encoding) == ("café", "utf-8-sig")
    text, encoding = decode_text("na\u00efve story".encode("utf-16"))
    assert (text, encoding) == ("na\u00efve story", "utf-16")


def test_lone_latin1_pound_is_a_pound() -> None:
    data = b"Prize money rose to \xa350,000 this year, organisers of the invented cup said.\n" * 3
    text, encoding = decode_text(data)
    assert "£50,000" in text
    assert encoding == "cp1252"


def test_western_legacy_text_decodes() -> None:
    text, encoding = decode_text(PORTUGUESE.encode("cp1252"))
    assert text == PORTUGUESE
    assert encoding in {"cp1252", "iso8859-1", "iso8859-15"}


def test_declared_charset_is_used_when_utf8_fails() -> None:
    data = "Ação rápida".encode("latin-1")
    assert decode_text(data, declared="ISO-8859-1") == ("Ação rápida", "cp1252")
    assert decode_text("Ação".encode(), declared="iso-8859-1") == ("Ação", "utf-8")


def test_random_bytes_raise_decode_error() -> None:
    noise = random.Random(7).randbytes(4096)
    assert is_binary(noise)
    with pytest.raises(DecodeError, match="binary"):
        decode_text(noise)
    assert issubclass(DecodeError, ValueError)


def test_is_binary() -> None:
    assert not is_binary(b"")
    assert not is_binary(b"Plain story text.\n\tIndented line.\r\n")
    assert is_binary(b"PK\x03\x04\x00\x00zip")
    assert is_binary(bytes(range(1, 32)) * 10)
    assert not is_binary("utf-16 text".encode("utf-16"))


def test_detect_encoding_tolerates_a_cut_character() -> None:
    sample = ("é" * 100).encode()[:-1]  # ends halfway through a two-byte character
    assert detect_encoding(sample) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + b"a,b\n") == "utf-8-sig"
    assert detect_encoding((PORTUGUESE + "\n").encode("cp1252") * 20) != "utf-8"


def test_bbc_latin1_file(bbc_dir: Path) -> None:
    data = (bbc_dir / "sport" / "199.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text, encoding = decode_text(data)
    assert "£" in text
    assert encoding == "cp1252"


def test_utf8_with_stray_cp1252_bytes_is_read_as_both() -> None:
    text = "Café – naïve\nCafé au lait\n"
    data = "Café – naïve\n".encode() + "Café au lait\n".encode("cp1252")
    assert is_mostly_utf8(data)
    assert decode_text(data) == (text, "utf-8+cp1252")
    assert repair_utf8(data) == text.encode()
    assert repair_utf8(PORTUGUESE.encode("cp1252")) == PORTUGUESE.encode("cp1252")
    assert not is_mostly_utf8(PORTUGUESE.encode("cp1252"))


def test_detect_encoding_reads_only_the_lines_that_are_not_utf8() -> None:
    legacy = "Café B0,Un café naïve – B0: the quay\n"
    sample = legacy.encode("cp1252") * 5 + "Café,Un café – utf8\n".encode() * 5
    assert detect_encoding(sample) == "cp1252"


def test_stray_nul_is_not_binary_for_row_files() -> None:
    rows = b"title,text\n" + b"Row,A plain body of text.\n" * 50 + b"Bad,A NUL \x00 row\n"
    assert is_binary(rows)
    assert not is_binary(rows, stray_nul=True)
    assert is_binary(random.Random(2).randbytes(4096), stray_nul=True)
