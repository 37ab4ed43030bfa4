"""Parsing raw records into documents: one parser per record kind."""
