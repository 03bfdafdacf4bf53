"""API keys and roles: who is calling, and what they may see.

A key is a random token shown once when it is made; only its SHA-256 is stored (a key has 256
bits of entropy, so a fast hash is enough and lookups stay one indexed query). Roles:

* ``admin``: everything, including keys;
* ``supervisor``: the conversations, agents, scorecards and follow-ups of their teams;
* ``agent``: their own conversations and scores, and the live assistant.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from heard.store.models import Agent, StoredConversation, User

Role = Literal["admin", "supervisor", "agent"]
ROLES: tuple[Role, ...] = ("admin", "supervisor", "agent")
KEY_PREFIX = "hk_"


class ApiKeyError(ValueError):
    """A key that cannot be made or changed as asked."""


def hash_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The caller, as their key says."""

    name: str
    role: Role
    agent_id: str | None = None
    team_ids: tuple[str, ...] = ()

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_see(self, agent_id: str | None, team_id: str | None) -> bool:
        """Whether a conversation (or scorecard) of this agent and team is theirs to see."""
        if self.role == "admin":
            return True
        if self.role == "supervisor":
            return team_id is not None and team_id in self.team_ids
        return agent_id is not None and agent_id == self.agent_id

    def can_see_conversation(self, stored: StoredConversation) -> bool:
        return self.can_see(stored.agent_id, stored.team_id)

    def can_see_agent(self, session: Session, agent_id: str) -> bool:
        if self.role == "admin" or (self.role == "agent" and agent_id == self.agent_id):
            return True
        if self.role != "supervisor":
            return False
        agent = session.get(Agent, agent_id)
        return agent is not None and agent.team_id in self.team_ids

    def can_see_team(self, team_id: str) -> bool:
        return self.role == "admin" or (self.role == "supervisor" and team_id in self.team_ids)


def principal_of(user: User) -> Principal:
    role = user.role if user.role in ROLES else "agent"
    return Principal(
        name=user.name,
        role=role,
        agent_id=user.agent_id,
        team_ids=tuple(str(t) for t in (user.team_ids or [])),
    )


def authenticate(session: Session, key: str | None) -> Principal | None:
    if not key or not key.strip():
        return None
    user = session.scalar(select(User).where(User.api_key_hash == hash_key(key)))
    return None if user is None else principal_of(user)


def _check(role: str, agent_id: str | None, team_ids: Sequence[str]) -> Role:
    if role not in ROLES:
        raise ApiKeyError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise ApiKeyError("an agent key needs the agent's id (--agent)")
    if role == "supervisor" and not team_ids:
        raise ApiKeyError("a supervisor key needs at least one team (--team)")
    return role


def create_key(
    session: Session,
    name: str,
    role: str,
    *,
    agent_id: str | None = None,
    team_ids: Iterable[str] = (),
    replace: bool = False,
) -> str:
    """Make (or, with ``replace``, re-issue) the key of user ``name``; returns the key, which
    is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ApiKeyError("a key needs a name")
    teams = [t.strip() for t in team_ids if t.strip()]
    agent_id = (agent_id or "").strip() or None
    checked = _check(role, agent_id, teams)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    if agent_id and session.get(Agent, agent_id) is None:
        session.add(Agent(id=agent_id))  # a key may come before the agent's first conversation
        session.flush()
    user = session.scalar(select(User).where(User.name == name))
    if user is not None and not replace:
        raise ApiKeyError(f"a key named {name!r} exists; revoke it first or re-issue it")
    if user is None:
        user = User(name=name, created_at=datetime.now(UTC))
        session.add(user)
    user.role = checked
    user.agent_id = agent_id
    user.team_ids = teams
    user.api_key_hash = hash_key(key)
    session.flush()
    return key


def revoke_key(session: Session, name: str) -> None:
    user = session.scalar(select(User).where(User.name == name))
    if user is None or user.api_key_hash is None:
        raise ApiKeyError(f"no active key named {name!r}")
    user.api_key_hash = None


def list_keys(session: Session) -> list[dict[str, object]]:
    return [
        {
            "name": user.name,
            "role": user.role,
            "agent_id": user.agent_id,
            "team_ids": list(user.team_ids or []),
            "active": user.api_key_hash is not None,
            "created_at": user.created_at.isoformat(),
        }
        for user in session.scalars(select(User).order_by(User.name))
    ]
