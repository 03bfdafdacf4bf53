"""Customer feedback: surveys, live-chat ratings, and follow-ups that close the loop."""
