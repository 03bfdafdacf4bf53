"""The FastAPI application: ``create_app()`` builds it; ``heard serve`` runs it with uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from heard import __version__
from heard.service import problems
from heard.service.context import ServiceContext
from heard.service.logging import access_log
from heard.service.outbox import Dispatcher
from heard.service.routes import (
    assist,
    bot,
    conversations,
    feedback,
    scorecards,
    system,
    training,
    webhooks,
)
from heard.service.settings import ServiceSettings
from heard.store import Database
from heard.web import install as install_web

DESCRIPTION = """\
heard's HTTP API: conversations in (any supported format, or help-desk webhooks), listening
scorecards with their evidence, satisfaction metrics, surveys, ratings, follow-ups, and a
real-time listening assistant over WebSocket.

Authenticate with an API key: `Authorization: Bearer hk_…` (or `X-API-Key`). Keys are made with
`heard keys create` or `POST /v1/keys`. Errors are RFC 9457 problem details.
"""


def create_app(
    settings: ServiceSettings | None = None,
    database: Database | None = None,
    *,
    background: bool = True,
) -> FastAPI:
    """The app. ``background=False`` skips the outgoing-webhook loop (tests drive it)."""
    settings = settings or ServiceSettings.from_env()
    database = database or Database(settings.database_url)
    context = ServiceContext(settings=settings, database=database)
    dispatcher = Dispatcher(
        database,
        settings.outgoing_webhook_url,
        settings.outgoing_webhook_secret.get_secret_value()
        if settings.outgoing_webhook_secret
        else None,
        wanted=settings.outgoing_events,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await run_in_threadpool(context.warm_up)
        task = None
        if background and settings.outgoing_webhook_url:
            task = asyncio.create_task(dispatcher.run_forever(settings.dispatch_interval_seconds))
        try:
            yield
        finally:
            await run_in_threadpool(context.close)
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = FastAPI(
        title="heard",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"},
    )
    app.state.context = context
    app.state.dispatcher = dispatcher
    problems.install(app)
    app.middleware("http")(access_log)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key"],
        )
    for module in (system, conversations, scorecards, feedback, assist, webhooks, training, bot):
        app.include_router(module.router)
    app.include_router(feedback.public)
    install_web(app)  # the web app's pages (heard.web)
    return app
