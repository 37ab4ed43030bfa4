"""Bytes to text: binary sniffing, BOMs, strict UTF-8, then charset detection."""

from __future__ import annotations

import codecs
import re

import charset_normalizer

SAMPLE_BYTES = 8192

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# control bytes that do not occur in text (tab, newlines, form feed and ESC are allowed)
_CONTROL = frozenset(range(0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}
# multi-byte East Asian codecs that charset-normalizer likes to pick for Western text with a few
# stray high bytes (a lone latin-1 "£" decodes as katakana in cp932)
_CJK = frozenset(
    {"cp932", "shift_jis", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
     "euc_jisx0213", "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "euc_kr",
     "cp949", "johab", "iso2022_jp", "iso2022_kr"}
)  # fmt: skip
_LATIN_SINGLE_BYTE = frozenset(
    codecs.lookup(name).name
    for name in (
        "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3",
        "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
        "iso8859_16", "cp437", "cp775", "cp850", "cp852", "cp857", "cp858", "hp_roman8",
        "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish",
    )
)  # fmt: skip
_MISREAD = re.compile(r"[^\W\d_][¹²³¿¥µ¶§¤¦¨©®°±´·¸¼½¾×÷][^\W\d_]")
# one well-formed multi-byte UTF-8 character
_UTF8_CHAR = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
MIXED_UTF8 = "utf-8+cp1252"


def _stray_byte_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return bytes(stray).decode("cp1252", "replace"), error.end


codecs.register_error("newslake-cp1252", _stray_byte_as_cp1252)


class DecodeError(ValueError):
    """Raised when no encoding decodes the bytes."""


def bom_encoding(data: bytes) -> str | None:
    """Return the encoding a byte-order mark at the start names, or None."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    return None


def is_binary(data: bytes, *, stray_nul: bool = False) -> bool:
    """Return True when a sample of the bytes looks binary (NUL or many control bytes).

    With `stray_nul` a NUL counts as one more control byte rather than settling it: a CSV or
    JSONL file with a stray NUL is text with a bad row, not a binary file.
    """
    sample = data[:SAMPLE_BYTES]
    if not sample or bom_encoding(sample) in {"utf-16", "utf-32"}:
        return False
    if b"\x00" in sample and not stray_nul:
        return True
    controls = sum(1 for byte in sample if byte in _CONTROL)
    return controls / len(sample) > 0.05


def canonical_encoding(name: str) -> str | None:
    """Return Python's canonical name for an encoding label, or None if unknown."""
    label = name.strip().lower()
    if label in {"iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso8859-1"}:
        return "cp1252"  # as browsers do (WHATWG): these labels mean windows-1252
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _try(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _high_byte_share(data: bytes) -> float:
    sample = data[: SAMPLE_BYTES * 8]
    return sum(1 for byte in sample if byte >= 0x80) / max(len(sample), 1)


def _western_reading(data: bytes, encoding: str) -> str | None:
    """Return the cp1252 reading when it is as plausible as the detected Latin codepage."""
    # charset-normalizer cannot tell cp1252 from cp1250 & co. on short texts, and picks CJK
    # codecs for Western text with a few stray high bytes; news here is mostly Western
    sparse_cjk = encoding in _CJK and _high_byte_share(data) < 0.05
    if encoding == "cp1252" or not (encoding in _LATIN_SINGLE_BYTE or sparse_cjk):
        return None
    text = _try(data, "cp1252")
    if text is None or _MISREAD.search(text):
        return None  # e.g. Polish read as cp1252 puts symbols inside words: "Za¿ó³æ"
    return text


def _detect(data: bytes) -> tuple[str, str] | None:
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        return None
    encoding = canonical_encoding(best.encoding) or best.encoding
    western = _western_reading(data, encoding)
    if western is not None:
        return western, "cp1252"
    text = _try(data, encoding)
    if text is None:
        text = data.decode(encoding, errors="replace")
    return text, encoding


def is_mostly_utf8(data: bytes) -> bool:
    """Return True when bytes that fail strict UTF-8 are UTF-8 with a few stray single bytes."""
    # a UTF-8 file with some cp1252 rows pasted in: legacy text almost never holds well-formed
    # multi-byte UTF-8 characters, so these outnumbering the stray bytes settles it
    characters = _UTF8_CHAR.findall(data)
    if not characters:
        return False
    stray = len(data) - len(data.translate(None, _HIGH_BYTES)) - sum(map(len, characters))
    return len(characters) >= stray


def decode_mixed(data: bytes) -> str:
    """Return UTF-8 bytes as text, each byte outside a UTF-8 character read as cp1252."""
    return data.decode("utf-8", "newslake-cp1252")


def repair_utf8(data: bytes) -> bytes:
    """Return mostly-UTF-8 bytes with their stray cp1252 bytes as UTF-8; other bytes unchanged."""
    if data.isascii() or _try(data, "utf-8") is not None or not is_mostly_utf8(data):
        return data
    return decode_mixed(data).encode()


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding): BOM, strict UTF-8, mixed UTF-8, a declared charset, detection.

    Mixed UTF-8 is UTF-8 with stray cp1252 bytes (rows of two encodings in one file): each
    part is read in its own encoding, so neither turns into mojibake.
    """
    bom = bom_encoding(data)
    if bom is not None:
        try:
            return data.decode(bom), bom
        except UnicodeDecodeError as exc:
            raise DecodeError(f"bytes start with a {bom} byte-order mark but fail: {exc}") from exc
    text = _try(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    if is_mostly_utf8(data):
        return decode_mixed(data), MIXED_UTF8
    if declared:
        encoding = canonical_encoding(declared)
        text = _try(data, encoding) if encoding else None
        if encoding and text is not None:
            return text, encoding
    if is_binary(data):
        raise DecodeError("bytes look binary (NUL or control bytes); no text encoding applies")
    detected = _detect(data)
    if detected is None:
        raise DecodeError(f"no encoding decodes these {len(data)} bytes (not UTF-8, none detected)")
    return detected


def detect_encoding(sample: bytes) -> str:
    """Return the encoding for a stream from its leading sample (which may end mid-character).

    Detection reads only the lines that are not UTF-8: in a file mixing UTF-8 and legacy rows,
    the UTF-8 ones would make the guess worse (cp1252 rows beside UTF-8 ones read as cp874).
    """
    bom = bom_encoding(sample)
    if bom is not None:
        return bom
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = b"\n".join(line for line in sample.splitlines() if _try(line, "utf-8") is None)
    detected = _detect(legacy)
    return detected[1] if detected else "utf-8"
