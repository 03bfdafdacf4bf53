"""Storage: conversations, analyses, surveys, ratings and follow-ups in SQLite or PostgreSQL."""

from heard.store.database import Database, DatabaseError, default_url, normalise_url

__all__ = ["Database", "DatabaseError", "default_url", "normalise_url"]
