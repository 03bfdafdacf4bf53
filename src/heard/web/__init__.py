"""The web app served by ``heard serve``: pages for supervisors, agents and customers.

>>> from heard.web import install
>>> install(app)   # the pages, the static files, and how their errors are shown
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from heard.web.pages import LoginRequiredError, PageError, router, warm_index
from heard.web.render import render, static_file
from heard.web.sessions import principal_from_cookie

__all__ = ["install", "principal_from_cookie", "router"]


@router.get("/static/{name:path}", include_in_schema=False)
def static(name: str) -> Response:
    return static_file(name)


def install(app: FastAPI) -> None:
    """Add the web app's routes to the API's app, and show its errors as pages."""

    async def on_login_required(request: Request, error: Exception) -> Response:
        assert isinstance(error, LoginRequiredError)
        return RedirectResponse("/login?" + urlencode({"next": error.next_path}), 303)

    async def on_page_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PageError)
        return render(
            request,
            "error.html.j2",
            {"title": error.title, "message": error.message, "status": error.status},
            status=error.status,
        )

    # Read the dashboard's index (and start first-contact resolution) as the server starts, so
    # the first dashboard does not wait for it. The app's own start-up runs first, unchanged.
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with started(application) as state:
            threading.Thread(
                target=warm_index, args=(application,), name="heard-web-warm", daemon=True
            ).start()
            yield state

    app.router.lifespan_context = lifespan
    app.add_exception_handler(LoginRequiredError, on_login_required)
    app.add_exception_handler(PageError, on_page_error)
    app.include_router(router)
