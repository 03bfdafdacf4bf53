"""The bot's metrics, from stored conversations: containment, hand-off rate, and CSAT after
bot-only vs handed-off conversations, each with its 95 % Wilson interval.

A bot conversation is one whose metadata has a ``bot`` record (the service writes it when a
session ends; ids start with ``bot-``). Definitions:

* **containment rate** = conversations the bot finished alone ÷ all bot conversations;
* **hand-off rate** = conversations handed to a person ÷ all bot conversations (the two add up
  to 100 %), with a count per hand-off reason;
* **CSAT** (heard.feedback's definition: responses 4–5 of 1–5 ÷ all responses), separately for
  bot-only and handed-off conversations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.feedback.metrics import csat, proportion
from heard.store.models import StoredConversation, SurveyResponse

CONTAINMENT_DEFINITION = (
    "bot conversations finished without a hand-off ÷ all bot conversations, in %"
)
HANDOFF_DEFINITION = "bot conversations handed to a person ÷ all bot conversations, in %"


def bot_outcomes(
    session: Session, *, team_ids: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """Conversation id → its ``bot`` metadata record, for every stored bot conversation."""
    query = select(
        StoredConversation.id, StoredConversation.meta, StoredConversation.team_id
    ).where(StoredConversation.id.like("bot-%"))
    found: dict[str, dict[str, Any]] = {}
    for conversation_id, meta, team_id in session.execute(query):
        record = (meta or {}).get("bot")
        if not isinstance(record, dict) or record.get("outcome") not in ("contained", "handed_off"):
            continue
        if team_ids is not None and team_id not in team_ids:
            continue
        found[conversation_id] = record
    return found


def compute(outcomes: dict[str, dict[str, Any]], scores: dict[str, list[int]]) -> dict[str, Any]:
    """The metrics from outcomes and each conversation's CSAT scores (pure; tested directly)."""
    total = len(outcomes)
    handed = [cid for cid, record in outcomes.items() if record["outcome"] == "handed_off"]
    contained = [cid for cid, record in outcomes.items() if record["outcome"] == "contained"]
    reasons = Counter(str(outcomes[cid].get("handoff_reason") or "unknown") for cid in handed)
    bot_only_scores = [s for cid in contained for s in scores.get(cid, [])]
    handed_scores = [s for cid in handed for s in scores.get(cid, [])]
    return {
        "conversations": total,
        "containment_rate": proportion(
            "containment_rate",
            len(contained),
            total,
            definition=CONTAINMENT_DEFINITION,
            empty_reason="no bot conversations stored",
        ).as_dict(),
        "handoff_rate": proportion(
            "handoff_rate",
            len(handed),
            total,
            definition=HANDOFF_DEFINITION,
            empty_reason="no bot conversations stored",
            details=dict(sorted(reasons.items())),
        ).as_dict(),
        "csat_bot_only": csat(bot_only_scores).as_dict(),
        "csat_handed_off": csat(handed_scores).as_dict(),
        "handoff_reasons": dict(sorted(reasons.items())),
    }


def bot_metrics(session: Session, *, team_ids: Sequence[str] | None = None) -> dict[str, Any]:
    outcomes = bot_outcomes(session, team_ids=team_ids)
    scores: dict[str, list[int]] = {}
    if outcomes:
        query = select(SurveyResponse.conversation_id, SurveyResponse.score).where(
            SurveyResponse.kind == "csat", SurveyResponse.conversation_id.like("bot-%")
        )
        for conversation_id, score in session.execute(query):
            if conversation_id in outcomes:
                scores.setdefault(conversation_id, []).append(int(score))
    return compute(outcomes, scores)
