"""How strong heard reads real customers' feelings: the spread of emotion intensity on real
customer-care tweets, where every intensity threshold of the assistant, the bot, the scorecard
and the follow-up rules is applied.

    .venv/bin/python benchmarks/intensity.py [--shared ../shared] [--json]

The customers' messages of ``../shared/data/twitter_customer_care_cdp/cdp_shared.json`` (real
customer-care conversations on Twitter, unlabelled; see its SOURCE.md) are read from there,
never copied, and each is annotated as a one-turn conversation through ``heard.analyze``'s
pipeline: intensity is a function of the message alone. Printed: how many read as a negative
feeling, and for those the mean intensity and the share at or above each threshold in use.

There are no intensity labels on real data; accuracy against labels is measured on heard's own
labelled messages, out of fold, by ``training/train_models.py intensity`` (docs/models.md).
This benchmark shows where the thresholds fall on real messages: run it on two commits to see
what a change of the model did to them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from heard.conversation import Conversation, Role, Turn
from heard.listening import annotate
from heard.listening.labels import NEGATIVE_EMOTIONS

ROOT = Path(__file__).resolve().parents[1]
THRESHOLDS = (0.3, 0.35, 0.5, 0.6, 0.65, 0.7, 0.85)


def customer_messages(path: Path) -> list[str]:
    conversations = json.loads(path.read_text(encoding="utf-8"))
    return [
        str(message["message"])
        for conversation in conversations
        for message in conversation["dialogContent"]
        if message.get("client")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    path = args.shared / "data" / "twitter_customer_care_cdp" / "cdp_shared.json"
    if not path.exists():
        sys.exit(f"{path}: not found (the shared data is not next to this clone)")
    texts = customer_messages(path)
    felt: list[float] = []
    for k, text in enumerate(texts):
        turn = annotate(
            Conversation(id=f"cdp-{k}", turns=[Turn(id="t1", role=Role.CUSTOMER, text=text)])
        ).turns[0]
        if turn.emotion in NEGATIVE_EMOTIONS and turn.intensity is not None:
            felt.append(turn.intensity)
    figures = {
        "messages": len(texts),
        "negative": len(felt),
        "mean_intensity": round(sum(felt) / len(felt), 3) if felt else None,
        "share_at_or_above": {
            f"{t:.2f}": round(sum(i >= t for i in felt) / len(felt), 3) if felt else None
            for t in THRESHOLDS
        },
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"customer messages: {figures['messages']}, read as a negative feeling: {len(felt)}")
    print(f"mean intensity of those: {figures['mean_intensity']}")
    for threshold, share in figures["share_at_or_above"].items():
        print(f"  intensity >= {threshold}: {share:.1%}" if share is not None else "")


if __name__ == "__main__":
    main()
