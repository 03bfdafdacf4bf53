"""Every page over HTTP, for every role: sign-in and sessions, CSRF, role scoping exactly as the
API's, the follow-up actions, the public survey, static files and security headers."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from heard.service.auth import revoke_key
from heard.store import Database
from heard.store.models import FollowUp
from heard.web.sessions import LOGIN_COOKIE, SESSION_COOKIE, SessionStore, WebSession
from service.conftest import GOOD, chat

from .conftest import ROLES, Site, csrf_of, sign_in


def _location(response: Any) -> str:
    return str(response.headers["location"])


# -- sign-in ----------------------------------------------------------------------------------


def test_pages_need_sign_in_and_come_back_after_it(site: Site) -> None:
    browser = site.client()
    for path in ("/dashboard", "/conversations/orders-1", "/me", "/followups", "/assist/x"):
        response = browser.get(path)
        assert response.status_code == 303, path
        assert _location(response).startswith("/login?next=")
    signed = sign_in(browser, site.keys["supervisor"], next_path="/conversations/orders-1")
    assert _location(signed) == "/conversations/orders-1"


def test_the_session_cookie_is_httponly_strict_and_holds_no_key(site: Site) -> None:
    browser = site.client()
    response = sign_in(browser, site.keys["admin"])
    header = response.headers["set-cookie"]
    session_part = next(p for p in header.split(", ") if p.startswith(f"{SESSION_COOKIE}="))
    assert "HttpOnly" in session_part and "SameSite=strict" in session_part
    value = browser.cookies.get(SESSION_COOKIE)
    assert value and site.keys["admin"] not in header and "hk_" not in value
    assert _location(response) == "/dashboard"
    assert _location(browser.get("/")) == "/dashboard"


def test_agents_land_on_their_own_page(site: Site) -> None:
    assert _location(sign_in(site.client(), site.keys["agent"])) == "/me"


def test_a_wrong_key_or_a_forged_form_is_refused(site: Site) -> None:
    browser = site.client()
    page = browser.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert token
    wrong = browser.post("/login", data={"key": "hk_nope", "login_token": token.group(1)})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert SESSION_COOKIE not in browser.cookies
    # A form posted from elsewhere has no matching login token (login CSRF).
    forged = site.client().post("/login", data={"key": site.keys["admin"], "login_token": "x"})
    assert forged.status_code == 400 and SESSION_COOKIE not in forged.cookies


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_sign_in_only_returns_to_this_site(site: Site, target: str) -> None:
    response = sign_in(site.client(), site.keys["admin"], next_path=target)
    assert _location(response) == "/dashboard"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(site: Site) -> None:
    browser = site.signed_in("supervisor")
    page = browser.get("/followups")
    refused = browser.post("/logout", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert browser.get("/followups").status_code == 200
    out = browser.post("/logout", data={"csrf": csrf_of(page.text)})
    assert out.status_code == 303 and _location(out) == "/login"
    browser.cookies.clear()
    assert browser.get("/followups").status_code == 303


def test_a_revoked_key_ends_its_sessions_at_once(site: Site) -> None:
    browser = site.signed_in("agent")
    assert browser.get("/me").status_code == 200
    with site.database.session() as session:
        revoke_key(session, "mia")
    assert browser.get("/me").status_code == 303


def test_sessions_expire_when_idle_and_after_their_lifetime(database: Database) -> None:
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    now = [0.0]
    store = SessionStore(
        ttl_seconds=100,
        idle_seconds=30,
        touch_seconds=10,
        clock=lambda: start + timedelta(seconds=now[0]),
    )

    def get(cookie_id: str | None) -> WebSession | None:
        with database.session() as db:
            return store.get(db, cookie_id)

    with database.session() as db:
        first_cookie, first = store.open(db, "hash")
    now[0] = 20
    assert get(first_cookie) == replace(first, last_seen=start + timedelta(seconds=20))
    now[0] = 55  # 35 s idle
    assert get(first_cookie) is None
    with database.session() as db:
        second_cookie, second = store.open(db, "hash")
    for moment in range(70, 160, 20):
        now[0] = moment
        assert get(second_cookie) == replace(second, last_seen=start + timedelta(seconds=moment))
    now[0] = 171  # past the 100 s lifetime, though never idle long
    assert get(second_cookie) is None
    assert get("unknown") is None and get(None) is None
    assert get(first.id) is None  # the stored id is not a cookie


# -- every page, every role -------------------------------------------------------------------

PAGES = {
    "/dashboard": {"admin": 200, "supervisor": 200, "other_supervisor": 200, "agent": 403},
    "/conversations/orders-2": {
        "admin": 200,
        "supervisor": 200,
        "other_supervisor": 404,
        "agent": 200,
        "other_agent": 404,
    },
    "/conversations/billing-1": {
        "admin": 200,
        "supervisor": 404,
        "other_supervisor": 200,
        "agent": 404,
        "other_agent": 200,
    },
    "/agents/agent-mia": {
        "admin": 200,
        "supervisor": 200,
        "other_supervisor": 404,
        "agent": 200,
        "other_agent": 404,
    },
    "/agents/agent-li": {"admin": 200, "supervisor": 404, "agent": 404, "other_agent": 200},
    "/me": {"agent": 200, "other_agent": 200, "admin": 303, "supervisor": 303},
    "/followups": dict.fromkeys(ROLES, 200),
    "/assist/live-1": dict.fromkeys(ROLES, 200),
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_each_page_answers_each_role_as_the_api_would(site: Site, path: str) -> None:
    for role, status in PAGES[path].items():
        response = site.signed_in(role).get(path)
        assert response.status_code == status, (role, path, response.text[:300])
        if status in (200, 403, 404):
            assert response.headers["content-type"].startswith("text/html")
            assert "Content-Security-Policy" in response.headers
            assert response.headers["referrer-policy"] == "no-referrer"


def test_the_dashboard_shows_only_the_teams_in_scope(site: Site) -> None:
    orders = site.signed_in("supervisor").get("/dashboard").text
    assert "agent-mia" in orders and "agent-noor" in orders
    assert "agent-li" not in orders and "billing-1" not in orders
    everything = site.signed_in("admin").get("/dashboard").text
    assert "agent-li" in everything and "team-billing" in everything


def test_dashboard_filters_outside_the_scope_are_refused(site: Site) -> None:
    supervisor = site.signed_in("supervisor")
    assert supervisor.get("/dashboard?team=team-billing").status_code == 403
    assert supervisor.get("/dashboard?agent=agent-li").status_code == 403
    assert supervisor.get("/dashboard/satisfaction?team=team-billing").status_code == 403
    assert supervisor.get("/dashboard?since=soon").status_code == 422
    narrowed = supervisor.get("/dashboard?agent=agent-noor&period=month&channel=chat")
    assert narrowed.status_code == 200
    assert "orders-3" in narrowed.text or "agent-noor" in narrowed.text
    assert "orders-2" not in narrowed.text


def test_dashboard_charts_carry_titles_axis_titles_and_data_tables(site: Site) -> None:
    page = site.signed_in("admin").get("/dashboard").text
    configs = [
        json.loads(found)
        for found in re.findall(
            r'<script type="application/json" class="chart-config">(.*?)</script>', page, re.S
        )
    ]
    assert len(configs) == 3
    for config in configs:
        for axis in config["options"]["scales"].values():
            assert axis["title"]["display"] and axis["title"]["text"]
    assert (
        configs[0]["options"]["scales"]["y"]["title"]["text"] == "Listening score (points, 0–100)"
    )
    assert page.count('<details class="data">') == 3
    assert 'role="img" aria-label=' in page


def test_satisfaction_trends_include_first_contact_resolution_once_computed(site: Site) -> None:
    browser = site.signed_in("admin")
    browser.get("/dashboard")
    index = site.app.state.web_index
    assert index.wait_for_resolution(timeout=60) is not None
    fragment = browser.get("/dashboard/satisfaction?period=month")
    assert fragment.headers["x-heard-pending"] == "0"
    for title in ("CSAT per month", "NPS per month", "First-contact resolution per month"):
        assert title in fragment.text


def test_the_dashboard_sees_new_conversations_at_once(site: Site) -> None:
    browser = site.signed_in("admin")
    before = browser.get("/dashboard").text
    assert ">4 <" in before.replace("\n", " ") or "4 <span" in before
    added = browser.post(
        "/v1/conversations",
        content=json.dumps(chat("orders-9", "agent-noor", "team-orders", GOOD)).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {site.keys['admin']}",
        },
    )
    assert added.status_code == 201
    after = browser.get("/dashboard?agent=agent-noor").text
    assert "2 <span" in after


# -- conversation and agent pages -------------------------------------------------------------


def test_the_conversation_page_marks_evidence_and_lists_what_was_missed(site: Site) -> None:
    page = site.signed_in("supervisor").get("/conversations/orders-2").text
    assert "I was charged twice" in page
    assert '<mark class="hl hl-' in page  # evidence highlighted in the transcript
    assert "Scorecard" in page and "Empathy" in page and "Evidence" in page
    assert "Unanswered concerns" in page
    assert "chart-emotion" in page  # the emotion trajectory chart
    assert "Follow-up" in page and "status-open" in page
    assert "<script>" not in page  # no inline script: the CSP would refuse it anyway


def test_customer_words_are_escaped(make_site: Any) -> None:
    site = make_site()
    hostile = chat(
        "xss-1",
        "agent-mia",
        "team-orders",
        [("c", "<script>alert(1)</script> my parcel is lost"), ("a", "Sorry about that.")],
    )
    site.client().post(
        "/v1/conversations",
        content=json.dumps(hostile).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {site.keys['admin']}",
        },
    )
    page = site.signed_in("admin").get("/conversations/xss-1").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_agent_page_shows_examples_and_an_honest_empty_training_state(site: Site) -> None:
    page = site.signed_in("agent").get("/me").text
    assert "My listening scores" in page
    assert "Strongest" in page and "To work on" in page
    assert "/conversations/orders-" in page and "?turn=" in page  # example turns, linked
    assert "No practice yet" in page and 'href="/train"' in page  # tests/web/test_training.py
    assert "agent-li" not in page


# -- follow-ups -------------------------------------------------------------------------------


def _first_open(site: Site, conversation_prefix: str) -> int:
    with site.database.session() as session:
        tasks = session.query(FollowUp).filter(FollowUp.status == "open").all()
        return next(t.id for t in tasks if t.conversation_id.startswith(conversation_prefix))


def test_a_follow_up_is_marked_done_with_the_csrf_token_only(site: Site) -> None:
    browser = site.signed_in("supervisor")
    queue = browser.get("/followups")
    task = _first_open(site, "orders-")
    assert f'id="task-{task}"' in queue.text
    refused = browser.post(f"/followups/{task}/done", data={"csrf": "nope"})
    assert refused.status_code == 403
    cross_site = browser.post(
        f"/followups/{task}/done",
        data={"csrf": csrf_of(queue.text)},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    done = browser.post(
        f"/followups/{task}/done", data={"csrf": csrf_of(queue.text), "note": "called back"}
    )
    assert done.status_code == 303 and _location(done) == f"/followups?done={task}"
    with site.database.session() as session:
        stored = session.get(FollowUp, task)
        assert stored is not None and stored.status == "done" and stored.note == "called back"
    again = browser.post(f"/followups/{task}/done", data={"csrf": csrf_of(queue.text)})
    assert "problem=" in _location(again)
    assert "Follow-up" in browser.get("/followups?status=done").text


def test_the_change_is_committed_before_the_redirect_is_sent(site: Site) -> None:
    """A browser follows the 303 at once: the list it then loads must already show the task
    done, so the status is read back from the store the moment the response starts."""
    seen_at_response_start: list[str | None] = []
    task = _first_open(site, "orders-")

    async def watching(scope: Any, receive: Any, send: Any) -> None:
        async def watched_send(message: Any) -> None:
            if message["type"] == "http.response.start" and scope["method"] == "POST":
                with site.database.session() as session:
                    stored = session.get(FollowUp, task)
                    seen_at_response_start.append(stored.status if stored else None)
            await send(message)

        await site.app(scope, receive, watched_send)

    browser = TestClient(watching, follow_redirects=False)
    sign_in(browser, site.keys["admin"])
    token = csrf_of(browser.get("/followups").text)
    seen_at_response_start.clear()  # the sign-in's own POST
    done = browser.post(f"/followups/{task}/done", data={"csrf": token})
    assert done.status_code == 303
    assert seen_at_response_start == ["done"]


def test_a_follow_up_is_snoozed(site: Site) -> None:
    browser = site.signed_in("admin")
    token = csrf_of(browser.get("/followups").text)
    task = _first_open(site, "orders-")
    response = browser.post(f"/followups/{task}/snooze", data={"csrf": token, "until": "3d"})
    assert response.status_code == 303
    with site.database.session() as session:
        stored = session.get(FollowUp, task)
        assert stored is not None and stored.status == "snoozed"
    bad = browser.post(f"/followups/{task}/snooze", data={"csrf": token, "until": "whenever"})
    assert "problem=" in _location(bad)


def test_nobody_acts_on_another_teams_follow_up(site: Site) -> None:
    billing = _first_open(site, "billing-")
    browser = site.signed_in("supervisor")
    token = csrf_of(browser.get("/followups").text)
    assert f'id="task-{billing}"' not in browser.get("/followups").text
    refused = browser.post(f"/followups/{billing}/done", data={"csrf": token})
    assert refused.status_code == 404
    agent = site.signed_in("agent")
    assert "billing-1" not in agent.get("/followups").text


# -- surveys ----------------------------------------------------------------------------------


def test_a_survey_is_answered_once_and_thanked(site: Site) -> None:
    customer = site.client()
    token = site.surveys["csat"]
    form = customer.get(f"/s/{token}")
    assert form.status_code == 200
    assert "How satisfied were you" in form.text
    assert 'name="score"' in form.text and 'for="score-5"' in form.text
    assert 'name="viewport"' in form.text and "Sign out" not in form.text
    missing = customer.post(f"/s/{token}", data={"comment": "hm"})
    assert missing.status_code == 422 and "choose a score" in missing.text
    outside = customer.post(f"/s/{token}", data={"score": "9"})
    assert outside.status_code == 422
    answered = customer.post(f"/s/{token}", data={"score": "5", "comment": "Lovely, thanks"})
    assert answered.status_code == 303 and _location(answered) == f"/s/{token}/thanks"
    assert "Thank you" in customer.get(f"/s/{token}/thanks").text
    assert customer.post(f"/s/{token}", data={"score": "1"}).status_code == 409
    assert "already been answered" in customer.get(f"/s/{token}").text


def test_survey_pages_for_nps_and_ces_and_bad_links(site: Site) -> None:
    customer = site.client()
    nps = customer.get(f"/s/{site.surveys['nps']}").text
    assert 'for="score-0"' in nps and 'for="score-10"' in nps and "Extremely likely" in nps
    ces = customer.get(f"/s/{site.surveys['ces']}").text
    assert 'for="score-7"' in ces and "Strongly agree" in ces
    assert customer.get("/s/not-a-token").status_code == 404
    assert customer.get("/s/not-a-token/thanks").status_code == 303


# -- static files and the API contract --------------------------------------------------------


def test_static_files_are_served_and_nothing_else(site: Site) -> None:
    browser = site.client()
    chart = browser.get("/static/vendor/chart.umd.min.js")
    assert chart.status_code == 200 and "Chart.js v4" in chart.text[:200]
    assert "immutable" in chart.headers["cache-control"]
    assert browser.get("/static/app.css").status_code == 200
    for bad in ("/static/../pages.py", "/static/%2e%2e/pages.py", "/static/vendor", "/static/x.py"):
        assert browser.get(bad).status_code == 404, bad


def test_the_pages_stay_out_of_the_api_spec(site: Site) -> None:
    paths = site.app.openapi()["paths"]
    assert all(path.startswith("/v1") for path in paths)


def test_the_login_form_cookie_is_scoped_to_the_login_page(site: Site) -> None:
    response = site.client().get("/login")
    header = response.headers["set-cookie"]
    assert header.startswith(f"{LOGIN_COOKIE}=") and "Path=/login" in header
