"""Structured fields from article bodies: mentions, places, quotes, dates, amounts, tone."""
