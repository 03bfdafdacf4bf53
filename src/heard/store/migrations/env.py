"""Alembic environment: heard runs migrations programmatically on an open connection."""

from __future__ import annotations

from alembic import context

from heard.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - heard always passes its connection
    raise RuntimeError("heard's migrations run through heard.store.Database")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
