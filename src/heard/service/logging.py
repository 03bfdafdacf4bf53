"""Request logging without secrets: no headers, no bodies, survey tokens masked in paths."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

log = logging.getLogger("heard.service.access")

# Path segments that are credentials: the public survey token.
_SECRET_SEGMENTS = re.compile(r"(/public/surveys/)[^/?#]+")


def safe_path(path: str) -> str:
    return _SECRET_SEGMENTS.sub(r"\1***", path)


async def access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    elapsed = (time.perf_counter() - started) * 1000
    log.info(
        "%s %s %d %.1f ms",
        request.method,
        safe_path(request.url.path),
        response.status_code,
        elapsed,
    )
    return response
