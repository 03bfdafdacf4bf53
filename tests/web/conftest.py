"""A served web app for the page tests: a SQLite database with conversations of two teams
stored through the API, follow-ups drafted, survey links made, and a key for every role."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from heard.feedback.followups import generate_followups
from heard.feedback.surveys import create_survey
from heard.service import create_app
from heard.service.auth import create_key
from heard.store import Database
from service.conftest import SEED, make_settings
from store.conftest import database, database_url  # noqa: F401  (SQLite and PostgreSQL)

ROLES = ("admin", "supervisor", "other_supervisor", "agent", "other_agent")
_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Site:
    app: FastAPI
    database: Database
    keys: dict[str, str]
    surveys: dict[str, str] = field(default_factory=dict)  # kind -> token
    _clients: list[TestClient] = field(default_factory=list)

    def client(self) -> TestClient:
        """A browser with no session (its own cookie jar)."""
        made = TestClient(self.app, follow_redirects=False)
        self._clients.append(made)
        return made

    def signed_in(self, who: str) -> TestClient:
        browser = self.client()
        sign_in(browser, self.keys[who])
        return browser


def sign_in(browser: TestClient, key: str, next_path: str = "") -> Any:
    page = browser.get("/login")
    assert page.status_code == 200, page.text
    found = _LOGIN_TOKEN.search(page.text)
    assert found, "the sign-in form has no token"
    response = browser.post(
        "/login", data={"key": key, "next": next_path, "login_token": found.group(1)}
    )
    assert response.status_code == 303, response.text
    return response


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _build(path: Path | str) -> Site:
    """A site on a SQLite file's path or on any database URL."""
    db = Database(str(path))
    app = create_app(make_settings(), db, background=False)
    with db.session() as session:
        keys = {
            "admin": create_key(session, "admin", "admin"),
            "supervisor": create_key(session, "sup-orders", "supervisor", team_ids=["team-orders"]),
            "other_supervisor": create_key(
                session, "sup-billing", "supervisor", team_ids=["team-billing"]
            ),
            "agent": create_key(session, "mia", "agent", agent_id="agent-mia"),
            "other_agent": create_key(session, "li", "agent", agent_id="agent-li"),
        }
    site = Site(app, db, keys)
    stored = site.client().post(
        "/v1/conversations",
        content=json.dumps(SEED).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {keys['admin']}"},
    )
    assert stored.status_code == 201, stored.text
    with db.session() as session:
        generate_followups(session)
        for kind in ("csat", "nps", "ces"):
            site.surveys[kind] = create_survey(session, "orders-2", kind)
    return site


@pytest.fixture
def make_site(tmp_path: Path) -> Iterator[Callable[[], Site]]:
    built: list[tuple[Site, TestClient]] = []

    def build() -> Site:
        site = _build(tmp_path / f"web{len(built)}.db")
        lifespan = TestClient(site.app)
        lifespan.__enter__()  # load the models once, as `heard serve` does at start
        built.append((site, lifespan))
        return site

    yield build
    for site, lifespan in built:
        for browser in site._clients:
            browser.close()
        lifespan.__exit__(None, None, None)
        site.database.dispose()


@pytest.fixture
def site(make_site: Callable[[], Site]) -> Site:
    return make_site()
