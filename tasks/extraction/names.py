"""Entity ids and surname keys: what both the extractors and the collecting process need.

Kept apart from `mentions` so that the process applying the lake's rules imports no spaCy.
"""

from __future__ import annotations

import re

from tasks.ids import stable_id

_NAME_PARTICLE = re.compile(r"^(?:al|el|bin|ibn|van|von|de|da|di|du|le|la)[-‐]", re.I)


def surname_key(word: str) -> str:
    """Return a word's comparable core: 'al-Assad' -> 'assad'."""
    return _NAME_PARTICLE.sub("", word).casefold()


def entity_id(label: str, name: str) -> str:
    """Return the lake-wide id of an entity: its label and case-blind canonical name."""
    return stable_id(label, " ".join(name.casefold().split()), size=24)
