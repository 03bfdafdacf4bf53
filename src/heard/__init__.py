"""heard: active listening, measured and coached, for customer-service teams."""

from heard.conversation import Channel, Conversation, Role, Turn

__version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Channel",
    "Conversation",
    "Role",
    "Turn",
    "__version__",
    "analyze",
    "analyze_many",
]


def __getattr__(name: str) -> object:
    # The engine loads models; importing heard for its data model alone should stay instant.
    if name in ("analyze", "analyze_many", "Analysis"):
        from heard import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'heard' has no attribute {name!r}")
