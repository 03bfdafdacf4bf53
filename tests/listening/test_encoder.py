"""The encoder's own tokenisation of plain ASCII text must give exactly the tokenizer's ids."""

from __future__ import annotations

import string

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from heard.listening.encoder import StaticEncoder, default_encoder

ASCII = st.text(alphabet=st.sampled_from(string.printable + "\x01\x0b\x7f"), max_size=120)
WORDISH = st.lists(
    st.sampled_from(
        [
            "Hi",
            "I'm",
            "order",
            "#4821",
            "can't",
            "U.S.",
            "e-mail",
            "[UNK]",
            "[cls]",
            "9:30am",
            "résumé",
            "naïve",
            "don’t",
            "😀",
            "€20",
            "a_b",
            "x" * 120,
            "\t",
            "\n",
            "  ",
            "!!!",
        ]
    ),
    max_size=15,
).map(" ".join)


def tokenizer_ids(encoder: StaticEncoder, text: str) -> list[int]:
    encoding = encoder._tokenizer.encode(text, add_special_tokens=False)
    return [i for i in encoding.ids if i != encoder._unknown]


@settings(max_examples=400, deadline=None)
@given(st.one_of(ASCII, WORDISH))
def test_token_ids_match_the_tokenizer(text: str) -> None:
    encoder = default_encoder()
    assert encoder.token_ids([text]) == [tokenizer_ids(encoder, text)]


def test_mixed_batches_keep_their_order() -> None:
    encoder = default_encoder()
    texts = ["Where is my parcel?", "Ça ne marche pas", "", "Thanks!!", "naïve [UNK] café"]
    assert encoder.token_ids(texts) == [tokenizer_ids(encoder, t) for t in texts]
    vectors = encoder.encode(texts)
    assert vectors.shape == (5, encoder.dimensions)
    assert not vectors[2].any()
    assert np.allclose(np.linalg.norm(vectors[[0, 1, 3, 4]], axis=1), 1.0, atol=1e-5)
