"""What the lake serves: PostgreSQL publishing, BI recipes, status, run summaries, report."""
