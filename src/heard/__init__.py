"""heard: active listening, measured and coached, for customer-service teams."""

from heard.conversation import Channel, Conversation, Role, Turn

__version__ = "0.1.0"

__all__ = ["Channel", "Conversation", "Role", "Turn", "__version__"]
