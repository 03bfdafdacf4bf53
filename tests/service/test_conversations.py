"""Conversations through the API: ingest in several formats, bad input, listing, detail."""

from __future__ import annotations

import json

from .conftest import GOOD, ROOT, Api, chat, is_problem


def test_ingest_native_json_stores_and_analyses(api: Api) -> None:
    body = chat("new-1", "agent-mia", "team-orders", GOOD)
    response = api.post("/v1/conversations", json=body)
    assert response.status_code == 201
    stored = response.json()["stored"]
    assert stored[0]["id"] == "new-1" and stored[0]["outcome"] == "added"
    assert stored[0]["listening_score"] is not None
    again = api.post("/v1/conversations", json=body)
    assert again.status_code == 200
    assert again.json()["stored"][0]["outcome"] == "unchanged"


def test_ingest_detects_formats_from_files(api: Api) -> None:
    examples = ROOT / "examples"
    for path in sorted(examples.iterdir()):
        if path.suffix in {".md"} or path.is_dir():
            continue
        response = api.post(
            f"/v1/conversations?filename={path.name}",
            content=path.read_bytes(),
            headers={"Content-Type": "application/octet-stream"},
        )
        assert response.status_code in (200, 201), (path.name, response.text)
        assert response.json()["stored"], path.name


def test_ingest_with_explicit_format_and_speakers(api: Api) -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Caller>My card was declined twice today.\n\n"
        "00:00:04.500 --> 00:00:08.000\n<v Rep>I'm sorry about that. Which card did you use?\n"
    )
    response = api.post(
        "/v1/conversations?format=vtt&agent=Rep&customer=Caller",
        content=vtt.encode(),
        headers={"Content-Type": "text/vtt"},
    )
    assert response.status_code == 201, response.text
    conversation_id = response.json()["stored"][0]["id"]
    detail = api.get(f"/v1/conversations/{conversation_id}").json()
    roles = [t["role"] for t in detail["conversation"]["turns"]]
    assert roles == ["customer", "agent"]


def test_bad_records_are_named_and_good_ones_kept(api: Api) -> None:
    lines = [
        json.dumps(chat("jl-1", "agent-mia", "team-orders", GOOD)),
        '{"id": "broken", "turns": [{"role": "alien", "text": "x"}]}',
        "not json at all",
        json.dumps(chat("jl-2", "agent-mia", "team-orders", GOOD)),
    ]
    response = api.post(
        "/v1/conversations?filename=batch.jsonl",
        content="\n".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [s["id"] for s in body["stored"]] == ["jl-1", "jl-2"]
    locations = [s["location"] for s in body["skipped"]]
    assert any("line 2" in where for where in locations)
    assert any("line 3" in where for where in locations)


def test_unreadable_upload_is_a_problem(api: Api) -> None:
    body = is_problem(
        api.post(
            "/v1/conversations",
            content=b"\x00\x01\x02garbage",
            headers={"Content-Type": "application/json"},
        ),
        422,
    )
    assert body["errors"], body


def test_empty_unknown_format_and_too_large(make_api) -> None:  # type: ignore[no-untyped-def]
    small = make_api(max_upload_bytes=2000)
    is_problem(
        small.post("/v1/conversations", content=b"  ", headers={"Content-Type": "text/plain"}),
        422,
        "invalid_input",
    )
    is_problem(
        small.post(
            "/v1/conversations?format=nope", content=b"x", headers={"Content-Type": "text/plain"}
        ),
        422,
        "invalid_input",
    )
    big = json.dumps(chat("big", "agent-mia", "team-orders", GOOD * 20)).encode()
    assert len(big) > 2000
    is_problem(
        small.post("/v1/conversations", content=big, headers={"Content-Type": "application/json"}),
        413,
        "too_large",
    )
    assert small.get("/v1/conversations").json()["total"] == 0  # nothing half-written


def test_list_paginates_and_filters(api: Api) -> None:
    first = api.get("/v1/conversations?limit=3").json()
    assert first["total"] == 4 and len(first["items"]) == 3 and first["next_offset"] == 3
    rest = api.get("/v1/conversations?limit=3&offset=3").json()
    assert len(rest["items"]) == 1 and rest["next_offset"] is None
    ids = {i["id"] for i in first["items"] + rest["items"]}
    assert ids == {"orders-1", "orders-2", "orders-3", "billing-1"}
    by_agent = api.get("/v1/conversations?agent=agent-mia").json()
    assert {i["id"] for i in by_agent["items"]} == {"orders-1", "orders-2"}
    by_team = api.get("/v1/conversations?team=team-billing").json()
    assert [i["id"] for i in by_team["items"]] == ["billing-1"]
    assert api.get("/v1/conversations?since=2026-03-03").json()["total"] == 0
    assert api.get("/v1/conversations?until=2026-03-02").json()["total"] == 4
    is_problem(api.get("/v1/conversations?since=yesterday"), 422, "invalid_input")
    is_problem(api.get("/v1/conversations?limit=0"), 422, "invalid_input")


def test_detail_has_analysis_with_evidence(api: Api) -> None:
    detail = api.get("/v1/conversations/orders-1").json()
    assert detail["conversation"]["id"] == "orders-1"
    analysis = detail["analysis"]
    assert analysis["listening_score"] is not None
    assert analysis["evidence"] and all(
        "turn_id" in e and "reason" in e for e in analysis["evidence"]
    )
    labels = {label for turn in analysis["turns"] for label in turn["labels"]}
    assert {"paraphrase", "timeline", "follow_up"} <= labels
    is_problem(api.get("/v1/conversations/nope"), 404, "not_found")


def test_pii_is_redacted_before_it_is_stored(api: Api) -> None:
    body = chat(
        "pii-1",
        "agent-mia",
        "team-orders",
        [
            (
                "c",
                "Hi, it's jo.doe@example.com, card 4111 1111 1111 1111 was charged twice. Call me on +44 20 7946 0958.",
            ),
            (
                "a",
                "I'm sorry about the double charge. I've refunded it to the card ending 1111 today.",
            ),
        ],
        metadata={"customer_email": "jo.doe@example.com"},
    )
    assert api.post("/v1/conversations", json=body).status_code == 201
    stored = api.get("/v1/conversations/pii-1").json()
    text = json.dumps(stored)
    for secret in ("jo.doe@example.com", "4111 1111 1111 1111", "7946 0958"):
        assert secret not in text
    first = stored["conversation"]["turns"][0]["text"]
    assert "[EMAIL]" in first and "[CARD]" in first and "[PHONE]" in first
    assert stored["conversation"]["metadata"]["redaction"]["card"] == 1
    # Analysis still works on the redacted words: the double charge is still a concern.
    assert stored["analysis"]["listening_score"] is not None


def test_redaction_can_be_turned_off(make_api) -> None:  # type: ignore[no-untyped-def]
    api = make_api(redact=False)
    body = chat(
        "raw-1", "agent-mia", "team-orders", [("c", "Mail me at jo.doe@example.com please.")]
    )
    assert api.post("/v1/conversations", json=body).status_code == 201
    assert "jo.doe@example.com" in api.get("/v1/conversations/raw-1").text
