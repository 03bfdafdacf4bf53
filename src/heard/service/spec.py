"""The OpenAPI document, built without a database (for `heard openapi` and docs/openapi.json)."""

from __future__ import annotations

from typing import Any


def openapi_document() -> dict[str, Any]:
    from heard.service.app import create_app
    from heard.service.settings import ServiceSettings
    from heard.store import Database

    database = Database("sqlite://", upgrade=False)
    try:
        app = create_app(ServiceSettings(redact=False), database, background=False)
        return app.openapi()
    finally:
        database.dispose()
