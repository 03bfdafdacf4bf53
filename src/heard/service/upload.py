"""Request bodies read with a size cap: the upload is refused as soon as it passes the limit,
never read whole into memory first."""

from __future__ import annotations

from fastapi import Request

from heard.service.problems import ProblemError


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> ProblemError:
    return ProblemError(
        413, "too_large", f"the upload is larger than this server accepts ({limit:,} bytes)"
    )
