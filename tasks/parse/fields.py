"""Field values the parsers share: a cell as text, a language tag as its code."""

from __future__ import annotations

import json
import re
from typing import Any


def cell_text(value: Any) -> str | None:
    """Return a row value as stripped text, or None when empty."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "\n\n".join(str(v).strip() for v in value if str(v).strip()) or None
    return json.dumps(value, ensure_ascii=False)


def language_code(value: str | None) -> str | None:
    """Return the primary subtag of a language tag ("pt-BR" -> "pt"), or None."""
    if not value:
        return None
    code = re.split(r"[-_\s]", value.strip(), maxsplit=1)[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None
