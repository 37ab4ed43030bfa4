"""Plain helpers behind the flows: no Prefect here."""
