"""Passwords in connection strings: find them, take them out, hide them wherever text is shown.

newslake reads two kinds of connection string that may carry a password: PostgreSQL DSNs in
libpq's `key=value` form (`postgres:host=db user=lake password=...`, a DuckLake catalog) and URLs
(`postgresql://user:password@host/db`, a publish target; `s3://` URLs never carry keys here).
The rule: a password never travels as a Prefect flow parameter, is never printed, logged or
stored. Flows pass connection strings with `strip_password` applied and put the password back
with `restore_password` inside the run, from the settings of the process that runs it (or
libpq's own PGPASSWORD / ~/.pgpass). Everything shown to people goes through `redact`.
"""

from __future__ import annotations

import re
from typing import overload
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# libpq key=value: password=secret, password='se cret', password = 'it''s' (quotes may be escaped)
_KEY_VALUE = re.compile(r"(?P<key>\bpassword\s*=\s*)(?P<value>'(?:[^'\\]|\\.|'')*'|[^\s']+)", re.I)
# user:password@ in any URL-looking text (scheme://user:password@host)
_URL_AUTH = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^/\s:@]*:)(?P<value>[^@\s]+)(?=@)", re.I)
# query-string secrets: ?password=..., &sslpassword=... in URLs
_URL_QUERY = re.compile(r"(?P<key>[?&](?:ssl)?password=)(?P<value>[^&\s]+)", re.I)
_URL_START = re.compile(r"(?P<prefix>[a-z]+:)?(?P<url>[a-z][a-z0-9+.-]*://.*)", re.I | re.S)


@overload
def redact(text: str) -> str: ...
@overload
def redact(text: None) -> None: ...
def redact(text: str | None) -> str | None:
    """Return the text with every password in a DSN or URL replaced by ***."""
    if not text:
        return text
    text = _KEY_VALUE.sub(lambda m: m.group("key") + MASK, text)
    text = _URL_AUTH.sub(lambda m: m.group("head") + MASK, text)
    return _URL_QUERY.sub(lambda m: m.group("key") + MASK, text)


def has_password(value: str | None) -> bool:
    """Return whether the connection string carries a password."""
    return bool(value) and redact(value) != value


def strip_password(value: str | None) -> str | None:
    """Return the connection string without its password (libpq then asks PGPASSWORD/.pgpass)."""
    if not value or not has_password(value):
        return value
    url = _URL_START.match(value)
    if url:  # a URL, maybe after a prefix such as DuckLake's "postgres:"
        parts = urlsplit(url.group("url"))
        netloc = parts.netloc
        if "@" in netloc:
            auth, host = netloc.rsplit("@", 1)
            netloc = f"{auth.split(':', 1)[0]}@{host}"
        query = "&".join(
            pair
            for pair in parts.query.split("&")
            if pair and pair.split("=", 1)[0].lower() not in ("password", "sslpassword")
        )
        return (url.group("prefix") or "") + urlunsplit(parts._replace(netloc=netloc, query=query))
    return re.sub(r"\s{2,}", " ", _KEY_VALUE.sub("", value)).strip()


def restore_password(stripped: str | None, full: str | None) -> str | None:
    """Return `full` when it is `stripped` with its password, else `stripped` unchanged.

    `full` is the connection string as the settings of the running process give it; a flow run
    that received `stripped` as a parameter gets its password back this way without the
    password ever being a parameter.
    """
    if stripped and full and has_password(full) and strip_password(full) == stripped:
        return full
    return stripped
