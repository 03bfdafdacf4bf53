"""`heard serve` (the HTTP API with uvicorn) and `heard keys` (API keys for it).

Secrets are read from the environment only (``HEARD_CHATWOOT_SECRET``, ``HEARD_WEBHOOK_SECRET``,
``HEARD_OUTGOING_WEBHOOK_SECRET``), never from options, so they stay out of shell history.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from heard.cli._common import escape, stderr
from heard.cli._database import DbOption, database_session, fail, open_database
from heard.cli.app import app

keys_app = typer.Typer(
    name="keys",
    help="API keys for `heard serve`: make one per person or integration; only hashes are kept.",
    no_args_is_help=True,
)
app.add_typer(keys_app, name="keys")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    db: DbOption = None,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each loads the models).")
    ] = 1,
    no_redact: Annotated[
        bool, typer.Option("--no-redact", help="Store conversations without PII redaction.")
    ] = False,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin", help="Allow this browser origin (repeatable); none by default."
        ),
    ] = None,
    max_upload_mb: Annotated[
        float, typer.Option(min=0.01, help="Largest upload accepted, in MB.")
    ] = 10.0,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the HTTP API: REST under /v1, the assistant's WebSocket, webhooks; docs at /docs."""
    import logging.config
    import os

    import uvicorn

    from heard.service import ServiceSettings, SettingsError, create_app

    database = open_database(db)  # brings the schema up to date once, before workers start
    url = database.url
    database.dispose()
    try:
        settings = ServiceSettings.from_env(
            database_url=url,
            redact=False if no_redact else None,
            cors_origins=tuple(cors_origin) if cors_origin else None,
            max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        )
    except SettingsError as error:
        fail(str(error))
    level = log_level.lower()
    if level not in {"debug", "info", "warning", "error"}:
        fail(f"unknown log level {log_level!r}: use debug, info, warning or error")
    log_config = logging_config(level)
    logging.config.dictConfig(log_config)  # this process too: the schema upgrade logs here
    stderr.print(
        f"heard API on http://{host}:{port}/v1 (docs at /docs), "
        f"database {escape(database.display_url)}"
    )
    if workers > 1:
        os.environ["HEARD_DB"] = url
        for name, value in (
            ("HEARD_REDACT", "false" if no_redact else None),
            ("HEARD_CORS_ORIGINS", ",".join(cors_origin or []) or None),
            ("HEARD_MAX_UPLOAD_BYTES", str(settings.max_upload_bytes)),
        ):
            if value is not None:
                os.environ[name] = value
        uvicorn.run(
            "heard.service.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=level,
            access_log=False,  # heard logs requests itself, with credentials masked
            log_config=log_config,
        )
        return
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=level,
        access_log=False,
        log_config=log_config,
    )


def logging_config(level: str) -> dict[str, Any]:
    """Uvicorn's own logging plus heard's (requests, analysis, webhooks) and Alembic's, with the
    process id. Handed to uvicorn, which applies it in every worker it starts: worker processes
    do not inherit this process's logging, and without it their request logs were lost."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["heard"] = {
        "format": "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"
    }
    config["handlers"]["heard"] = {
        "formatter": "heard",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    for name in ("heard", "alembic"):
        config["loggers"][name] = {
            "handlers": ["heard"],
            "level": level.upper(),
            "propagate": False,
        }
    return config


@app.command()
def openapi(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Print the API's OpenAPI document (the committed copy is docs/openapi.json)."""
    from heard.service.spec import openapi_document

    text = json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="admin, supervisor or agent.")],
    agent: Annotated[str | None, typer.Option(help="The agent id (agent keys).")] = None,
    team: Annotated[
        list[str] | None, typer.Option(help="A team id the key covers (repeatable; supervisors).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Re-issue the key of an existing name.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Make an API key and print it once (only its hash is stored)."""
    from heard.service.auth import ApiKeyError, create_key

    database = open_database(db)
    try:
        with database.session() as session:
            key = create_key(
                session, name, role, agent_id=agent, team_ids=team or [], replace=replace
            )
    except ApiKeyError as error:
        fail(str(error))
    finally:
        database.dispose()
    sys.stdout.write(key + "\n")
    stderr.print(f"key for {escape(name)} ({role}): shown once; keep it somewhere safe")


@keys_app.command("list")
def keys_list(db: DbOption = None) -> None:
    """List API keys (names, roles, scopes; never the keys)."""
    from rich.console import Console

    from heard.service.auth import list_keys

    with database_session(db) as session:
        rows = list_keys(session)
    table = Table("name", "role", "agent", "teams", "active", "created")
    for row in rows:
        table.add_row(
            escape(str(row["name"])),
            str(row["role"]),
            escape(str(row["agent_id"] or "")),
            escape(", ".join(str(t) for t in row["team_ids"] or [])),  # type: ignore[attr-defined]
            "yes" if row["active"] else "revoked",
            str(row["created_at"])[:16],
        )
    Console(highlight=False).print(table)


@keys_app.command("revoke")
def keys_revoke(
    name: Annotated[str, typer.Argument(help="The key's name.")], db: DbOption = None
) -> None:
    """Revoke an API key at once."""
    from heard.service.auth import ApiKeyError, revoke_key

    try:
        with database_session(db) as session:
            revoke_key(session, name)
    except ApiKeyError as error:
        fail(str(error))
    stderr.print(f"revoked the key {escape(name)}")
