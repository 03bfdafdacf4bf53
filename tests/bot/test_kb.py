"""Loading knowledge bases from YAML and Markdown, and errors that say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from heard.bot import KnowledgeBaseError, load_knowledge_base
from heard.bot.library import bundled_source


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_entries_with_variants_tags_and_links(tmp_path: Path) -> None:
    write(
        tmp_path,
        "faq.yaml",
        """
entries:
  - question: How do I change my delivery address?
    variants: ["Can I change the address on my order?", "I moved, can my parcel follow me?"]
    answer: Go to Account → Orders.
    tags: delivery, orders
    links:
      - title: Delivery help
        url: https://shop.example/help
      - "[Returns](https://shop.example/returns)"
""",
    )
    kb = load_knowledge_base(tmp_path, name="demo")
    (entry,) = kb.entries
    assert entry.id == "how-do-i-change-my-delivery-address"
    assert entry.questions[0] == "How do I change my delivery address?"
    assert len(entry.questions) == 3
    assert entry.tags == ["delivery", "orders"]
    assert [link.title for link in entry.links] == ["Delivery help", "Returns"]
    assert entry.links[1].url == "https://shop.example/returns"


def test_markdown_front_matter_is_one_article(tmp_path: Path) -> None:
    write(
        tmp_path,
        "reset.md",
        """---
question: How do I reset my password?
variants:
  - I forgot my password
skills: [accounts]
---
Choose **Forgot password?** on the sign-in page.

The link works for an hour.
""",
    )
    (entry,) = load_knowledge_base(tmp_path).entries
    assert entry.id == "reset"
    assert entry.variants == ["I forgot my password"]
    assert entry.skills == ["accounts"]
    assert entry.answer.startswith("Choose **Forgot password?**")
    assert "works for an hour" in entry.answer


def test_markdown_headings_are_entries(tmp_path: Path) -> None:
    write(
        tmp_path,
        "returns.md",
        """# Returns

## Can I return a sale item?
Tags: returns
Handoff: no
Also asked:
- Are sale items refundable?
- Can discounted things go back?

Yes, within 30 days.

Links:
- [Returns policy](https://shop.example/returns)

## I want to make a complaint
Handoff: yes
Skills: complaints

A colleague will take it.
""",
    )
    first, second = load_knowledge_base(tmp_path).entries
    assert first.question == "Can I return a sale item?"
    assert first.variants == ["Are sale items refundable?", "Can discounted things go back?"]
    assert first.answer == "Yes, within 30 days."
    assert first.links[0].url == "https://shop.example/returns"
    assert not first.handoff
    assert second.handoff and second.skills == ["complaints"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("bad.yaml", "entries:\n  - question: [unclosed\n", "bad.yaml: not valid YAML"),
        (
            "noanswer.yaml",
            "- id: lost-card\n  question: I lost my card\n",
            "noanswer.yaml: entry 1 (lost-card): answer: Field required",
        ),
        (
            "blank.yaml",
            "- question: Where is my order?\n  answer: Tracking.\n- question: Hi\n  answer: '  '\n",
            "blank.yaml: entry 2 ('Hi'): answer: Value error, must not be blank",
        ),
        (
            "extra.yaml",
            "- question: Q?\n  answer: A.\n  colour: blue\n",
            "extra.yaml: entry 1 ('Q?'): colour: Extra inputs are not permitted",
        ),
        (
            "front.md",
            "---\nid: x\n---\nBody.\n",
            "front.md: entry 1 (front): the front matter needs a question",
        ),
        ("empty.md", "Just some text, no headings.\n", "empty.md: no entries"),
        ("scalar.yaml", "just text\n", "scalar.yaml: expected a list of entries"),
    ],
)
def test_errors_name_the_file_and_the_entry(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    write(tmp_path, name, text)
    with pytest.raises(KnowledgeBaseError) as raised:
        load_knowledge_base(tmp_path / name)
    assert expected in str(raised.value)
    assert str(tmp_path / name) in str(raised.value)


def test_duplicate_ids_across_files_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "- id: returns\n  question: Q1?\n  answer: A.\n")
    write(tmp_path, "b.yaml", "- id: returns\n  question: Q2?\n  answer: B.\n")
    with pytest.raises(
        KnowledgeBaseError, match=r"b\.yaml: entry 'returns' is already defined in .*a\.yaml"
    ):
        load_knowledge_base(tmp_path)


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="no such file or folder"):
        load_knowledge_base(tmp_path / "nope")
    with pytest.raises(KnowledgeBaseError, match="no knowledge-base files"):
        load_knowledge_base(tmp_path)


def test_the_bundled_shop_kb() -> None:
    kb = load_knowledge_base(bundled_source("shop"), name="shop")
    assert 30 <= len(kb.entries) <= 50
    assert all(len(entry.questions) >= 4 for entry in kb.entries)
    assert {entry.id for entry in kb.entries if entry.handoff} >= {"charged-twice"}
    # Every file shape is used: YAML, Markdown headings and Markdown front matter.
    sources = {Path(entry.source or "").suffix for entry in kb.entries}
    assert sources == {".yaml", ".md"}
    assert kb.digest() == load_knowledge_base(bundled_source("shop"), name="other").digest()
