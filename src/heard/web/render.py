"""Templates, security headers and static files: one way every page is answered."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from heard import __version__
from heard.report.html import COMPONENT_NAMES

STATIC = Path(__file__).with_name("static")
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/plain; charset=utf-8",
}
# Everything comes from this site; scripts only from files (no inline script can run), so
# customer text that slipped through escaping still could not execute. Data for the charts is
# inline JSON in <script type="application/json">, which is never executed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Survey links carry their token in the path: never send it to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def static_version(name: str) -> str:
    """A short content hash for cache-busting URLs: a changed file gets a new URL."""
    path = STATIC / name
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else __version__
    return digest


def static_url(name: str) -> str:
    return f"/static/{name}?v={static_version(name)}"


def component_name(name: str | None) -> str:
    return "–" if name is None else COMPONENT_NAMES.get(name, name.replace("_", " "))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("heard.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(static=static_url, component_name=component_name, version=__version__)
    return env


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    user = context.get("user")
    values = {
        "request": request,
        "user": user,
        "csrf": getattr(user, "csrf_token", ""),
        "path": request.url.path,
        **context,
    }
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def static_file(name: str) -> Response:
    """A file under static/, by a plain relative name (no '..', no hidden files)."""
    parts = Path(name).parts
    path = STATIC.joinpath(*parts) if parts else STATIC
    if (
        not parts
        or any(part.startswith(".") or part in ("..", "") for part in parts)
        or path.suffix not in STATIC_TYPES
        or not path.resolve().is_relative_to(STATIC.resolve())
        or not path.is_file()
    ):
        return Response("not found", status_code=404, media_type="text/plain")
    return FileResponse(
        path,
        media_type=STATIC_TYPES[path.suffix],
        # URLs carry the file's hash (static_url), so a year of caching is safe.
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
