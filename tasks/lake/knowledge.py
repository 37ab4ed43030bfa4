"""Read the snapshot of the lake's entities that the lake-level entity rules use."""

from __future__ import annotations

import duckdb

from tasks.extraction.lake_rules import EntityKnowledge, build_knowledge

# entities seen in one article only are left out: they cannot pass any rule's threshold, and
# a large lake has many of them
KNOWLEDGE_SELECT = """
select canonical_name, label, aliases, article_count
from entities
where article_count >= 2
order by entity_id
"""


def read_knowledge(con: duckdb.DuckDBPyConnection) -> EntityKnowledge:
    """Return what the lake's `entities` say about names, labels, surnames and acronyms."""
    return build_knowledge(con.execute(KNOWLEDGE_SELECT).to_arrow_table().to_pylist())
