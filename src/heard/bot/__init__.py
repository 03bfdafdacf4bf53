"""The self-service bot: answers from a knowledge base, listens, and hands off with the story.

>>> from heard.bot import Bot, open_index
>>> bot = Bot(open_index("shop"))          # the bundled example shop
>>> session = bot.session()
>>> session.greet().text
>>> reply = session.reply("How do I change my delivery address?")
>>> reply.decision, reply.confidence, reply.evidence
>>> session.handoff                        # a HandoffPacket once handed off

See docs/bot.md: the KB format, retrieval and calibration, the policy, the hand-off packet,
routing, the service endpoints, the widget and the metrics.
"""

from heard.bot.facts import Fact, find_facts
from heard.bot.handoff import Attempt, HandoffPacket, HandoffReason, Quote, SuggestedReply
from heard.bot.index import Candidate, IndexInfo, KBIndex, Retrieval, Thresholds
from heard.bot.kb import Entry, KnowledgeBase, KnowledgeBaseError, Link, load_knowledge_base
from heard.bot.library import bundled_index, data_home, open_index
from heard.bot.policy import Bot, BotReply, BotSession, Decision, PolicyConfig
from heard.bot.routing import Queue, Route, RoutingConfig, RoutingError

__all__ = [
    "Attempt",
    "Bot",
    "BotReply",
    "BotSession",
    "Candidate",
    "Decision",
    "Entry",
    "Fact",
    "HandoffPacket",
    "HandoffReason",
    "IndexInfo",
    "KBIndex",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "Link",
    "PolicyConfig",
    "Queue",
    "Quote",
    "Retrieval",
    "Route",
    "RoutingConfig",
    "RoutingError",
    "SuggestedReply",
    "Thresholds",
    "bundled_index",
    "data_home",
    "find_facts",
    "load_knowledge_base",
    "open_index",
]
