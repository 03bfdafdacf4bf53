"""The real-time listening assistant (filled in with heard.assist)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/assist", tags=["assist"])
