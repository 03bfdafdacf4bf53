"""Compute every turn's features in as few vectorised calls as possible.

For a whole conversation all texts and sentences go through the encoder in one batch and each
model runs once as a matrix product; live, the same code runs on the one new turn.
"""

from __future__ import annotations

import numpy as np

from heard.conversation import Role
from heard.listening.features import (
    FloatArray,
    function_features,
    reply_features,
    text_features,
)
from heard.listening.resources import agent_model, emotion_model, encoder, function_model
from heard.listening.state import ConversationState, TurnFeatures
from heard.listening.text import split_sentences, words


def featurize(state: ConversationState, indices: list[int]) -> list[TurnFeatures]:
    """Features for ``state.turns[i]`` for each i in ``indices`` (earlier turns are known)."""
    turns = [state.turns[i] for i in indices]
    sentences = [split_sentences(turn.text) or [] for turn in turns]
    texts: list[str] = [turn.text for turn in turns]
    sentence_texts = [s.text for group in sentences for s in group]
    agent_positions = [k for k, turn in enumerate(turns) if turn.role is Role.AGENT]
    contexts = [state.context_text(indices[k]) for k in agent_positions]
    vectors = encoder().encode(texts + sentence_texts + contexts)
    turn_vectors = vectors[: len(texts)]
    sentence_vectors = vectors[len(texts) : len(texts) + len(sentence_texts)]
    context_vectors = vectors[len(texts) + len(sentence_texts) :]

    out: list[TurnFeatures] = []
    offset = 0
    for k, turn in enumerate(turns):
        count = len(sentences[k])
        out.append(
            TurnFeatures(
                tokens=words(turn.text),
                sentences=sentences[k],
                vector=turn_vectors[k],
                sentence_vectors=sentence_vectors[offset : offset + count],
            )
        )
        offset += count
    _agent_probabilities(out, agent_positions, texts, contexts, context_vectors)
    _emotion_probabilities(out, [k for k, t in enumerate(turns) if t.role is Role.CUSTOMER], texts)
    return out


def _agent_probabilities(
    features: list[TurnFeatures],
    positions: list[int],
    texts: list[str],
    contexts: list[str],
    context_vectors: FloatArray,
) -> None:
    if not positions:
        return
    model = agent_model()
    # Rows: each agent turn whole, then each of its sentences, all against the turn's context.
    reply_texts: list[str] = []
    reply_contexts: list[str] = []
    reply_vectors: list[FloatArray] = []
    row_context_vectors: list[FloatArray] = []
    spans: list[tuple[int, int]] = []
    for n, k in enumerate(positions):
        start = len(reply_texts)
        items = [(texts[k], features[k].vector)]
        if len(features[k].sentences) > 1:
            items += [
                (s.text, features[k].sentence_vectors[j])
                for j, s in enumerate(features[k].sentences)
            ]
        for text, vector in items:
            reply_texts.append(text)
            reply_contexts.append(contexts[n])
            reply_vectors.append(vector)
            row_context_vectors.append(context_vectors[n])
        spans.append((start, len(reply_texts)))
    dense, hashed = reply_features(
        reply_texts, reply_contexts, np.vstack(reply_vectors), np.vstack(row_context_vectors)
    )
    probabilities = model.probabilities(dense, hashed)
    whole_rows = [start for start, _ in spans]
    functions = function_model()
    # A turn with no sentence (empty text) stands for its own last sentence.
    last_texts = [
        features[k].sentences[-1].text if features[k].sentences else texts[k] for k in positions
    ]
    last_vectors = np.vstack(
        [
            features[k].sentence_vectors[-1] if features[k].sentences else features[k].vector
            for k in positions
        ]
    )
    function_dense, function_hashed = function_features(
        dense[whole_rows], [hashed[row] for row in whole_rows], last_texts, last_vectors
    )
    function_probabilities = functions.probabilities(function_dense, function_hashed)
    for n, k in enumerate(positions):
        features[k].function_probabilities = {
            label: float(function_probabilities[n, j]) for j, label in enumerate(functions.labels)
        }
    for (start, end), k in zip(spans, positions, strict=True):
        whole = probabilities[start]
        per_sentence = (
            probabilities[start + 1 : end] if end - start > 1 else probabilities[start : start + 1]
        )
        features[k].label_probabilities = {
            label: float(whole[j]) for j, label in enumerate(model.labels)
        }
        features[k].sentence_label_probabilities = {
            label: per_sentence[:, j] for j, label in enumerate(model.labels)
        }


def _emotion_probabilities(
    features: list[TurnFeatures], positions: list[int], texts: list[str]
) -> None:
    if not positions:
        return
    model = emotion_model()
    dense, hashed = text_features(
        [texts[k] for k in positions], np.vstack([features[k].vector for k in positions])
    )
    logits = model.logits(dense, hashed)
    # Columns after the emotions are GoEmotions labels that an emotion merges (its parts): the
    # emotion's logit is the largest of its own and its parts'.
    count = int(model.info.get("emotions", len(model.labels)))
    labels = model.labels[:count]
    for j, emotion in enumerate(model.info.get("parts", {}).values()):
        k = labels.index(emotion)
        logits[:, k] = np.maximum(logits[:, k], logits[:, count + j])
    probabilities = (1.0 / (1.0 + np.exp(-logits[:, :count]))).astype(np.float32)
    weights = model.info.get("intensity_weights")
    intensity = None
    if weights:
        n_dense = dense.shape[1]
        w = np.asarray(weights, dtype=np.float32)
        intensity = probabilities @ w[:count] + dense @ w[count : count + n_dense]
        intensity = np.clip(intensity + float(model.info.get("intensity_bias", 0.0)), 0.0, 1.0)
    for row, k in enumerate(positions):
        features[k].emotion_probabilities = {
            label: float(probabilities[row, j]) for j, label in enumerate(labels)
        }
        if intensity is not None:
            features[k].extra["intensity"] = float(intensity[row])
