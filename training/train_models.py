"""Train the models heard ships (src/heard/models/*.npz) from permissively licensed data.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python training/train_models.py [agent] [emotion]

Data (see docs/models.md for licences and scores):
- training/data/agent_turns_*.jsonl: agent replies labelled by heard's authors (Apache-2.0).
- training/data/customer_emotions.jsonl: customer messages labelled by heard's authors.
- ../shared/data/goemotions/train.tsv: GoEmotions (Apache-2.0), mapped to heard's emotions.
ESConv (CC BY-NC) is never read here: it is for evaluation only (benchmarks/accuracy.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy import sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heard.listening.features import HASH_SIZE  # noqa: E402
from heard.listening.labels import FUNCTION_LABELS, MODEL_LABELS, Emotion  # noqa: E402
from heard.listening.linear import LinearModel  # noqa: E402
from training.common import DATA, function_matrix, read_jsonl, reply_matrix, text_matrix  # noqa: E402
from training.goemotions import MAPPING, read_goemotions, read_goemotions_fine  # noqa: E402

MODELS = ROOT / "src" / "heard" / "models"
GOEMOTIONS = Path(ROOT.parent / "shared" / "data" / "goemotions")
AGENT_C = 1.0
EMOTION_C = 1.0
HOLDOUT_SHARE = 0.15
# Smoothing of the n-gram log-count ratios that scale the emotion model's hashed features.
NB_ALPHA = 0.5
# Class offsets of the emotion model are tuned on out-of-fold logits from this many folds.
OFFSET_FOLDS = 3
OWN_EXAMPLE_WEIGHT = 3.0
# GoEmotions labels that heard merges into a broader emotion get a one-vs-rest model of their
# own as well; an emotion's logit is the largest of its own model's and its parts' logits.
FINE_LABELS = (
    "disgust",
    "annoyance",
    "disappointment",
    "disapproval",
    "fear",
    "nervousness",
    "remorse",
    "grief",
    "relief",
)


def split_weights(coef: np.ndarray, n_dense: int) -> tuple[np.ndarray, np.ndarray]:
    dense = coef[:, :n_dense].T.astype(np.float32)
    hashed = coef[:, n_dense:].T.astype(np.float32)
    assert hashed.shape[0] == HASH_SIZE
    return dense, hashed


def agent_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for path in sorted(DATA.glob("agent_turns_*.jsonl")):
        rows.extend(read_jsonl(path))
    return rows


def best_threshold(truth: np.ndarray, scores: np.ndarray) -> float:
    candidates = np.linspace(0.2, 0.9, 29)
    f1s = [f1_score(truth, scores >= t, zero_division=0) for t in candidates]
    return float(candidates[int(np.argmax(f1s))])


def train_agent() -> None:
    rows = agent_rows()
    labels = [label.value for label in MODEL_LABELS]
    replies = [str(r["reply"]) for r in rows]
    contexts = [" ".join(list(r["context"])[-2:]) for r in rows]  # type: ignore[call-overload]
    features = reply_matrix(replies, contexts)
    targets_matrix = np.array([[label in r["labels"] for label in labels] for r in rows])  # type: ignore[operator]
    n_dense = features.shape[1] - HASH_SIZE
    # Thresholds from 5-fold cross-validation on our own data: never from the evaluation set.
    oof = np.zeros(targets_matrix.shape)
    for train, test in KFold(5, shuffle=True, random_state=13).split(features):
        for j in range(len(labels)):
            model = LogisticRegression(C=AGENT_C, max_iter=3000, class_weight="balanced")
            model.fit(features[train], targets_matrix[train, j])
            oof[test, j] = model.predict_proba(features[test])[:, 1]
    thresholds = np.array(
        [best_threshold(targets_matrix[:, j], oof[:, j]) for j in range(len(labels))]
    )
    cv_f1 = {
        label: round(
            float(f1_score(targets_matrix[:, j], oof[:, j] >= thresholds[j], zero_division=0)), 3
        )
        for j, label in enumerate(labels)
    }
    coefs, biases = [], []
    for j in range(len(labels)):
        model = LogisticRegression(C=AGENT_C, max_iter=3000, class_weight="balanced").fit(
            features, targets_matrix[:, j]
        )
        coefs.append(model.coef_[0])
        biases.append(model.intercept_[0])
    dense, hashed = split_weights(np.vstack(coefs), n_dense)
    LinearModel(
        labels=tuple(labels),
        kind="ovr",
        dense_weights=dense,
        hashed_weights=hashed,
        bias=np.array(biases, dtype=np.float32),
        thresholds=thresholds.astype(np.float32),
        info={"examples": len(rows), "cv_f1": cv_f1, "C": AGENT_C},
    ).save(MODELS / "agent_labels.npz")
    print("agent labels: examples", len(rows), "cv F1", json.dumps(cv_f1))
    print("thresholds", dict(zip(labels, np.round(thresholds, 2).tolist(), strict=True)))


def train_functions() -> None:
    """What a turn mainly does: none or one of the five listening functions (softmax).

    Examples carry a ``primary`` label (the newer files); in the older ones a turn with exactly
    one of the five labels has that as its main function and a turn with no label has none;
    turns with several are left out rather than guessed.
    """
    classes = ["none", *(label.value for label in FUNCTION_LABELS)]
    rows = []
    for row in agent_rows():
        primary = row.get("primary")
        if primary is None:
            functions = [label for label in row["labels"] if label in classes]  # type: ignore[attr-defined]
            if len(functions) == 1:
                primary = functions[0]
            elif not row["labels"]:
                primary = "none"
        if primary in classes:
            rows.append((row, classes.index(str(primary))))
    replies = [str(r["reply"]) for r, _ in rows]
    contexts = [" ".join(list(r["context"])[-2:]) for r, _ in rows]  # type: ignore[call-overload]
    features = function_matrix(replies, contexts)
    targets = np.array([y for _, y in rows])
    model = LogisticRegression(C=AGENT_C, max_iter=4000, class_weight="balanced")
    predicted = np.zeros(len(rows), dtype=int)
    for train, test in KFold(5, shuffle=True, random_state=13).split(features):
        fold = LogisticRegression(C=AGENT_C, max_iter=4000, class_weight="balanced")
        predicted[test] = fold.fit(features[train], targets[train]).predict(features[test])
    cv = float(f1_score(targets, predicted, average="macro"))
    model.fit(features, targets)
    dense, hashed = split_weights(model.coef_, features.shape[1] - HASH_SIZE)
    LinearModel(
        labels=tuple(classes),
        kind="softmax",
        dense_weights=dense,
        hashed_weights=hashed,
        bias=model.intercept_.astype(np.float32),
        thresholds=np.zeros(len(classes), dtype=np.float32),
        info={"examples": len(rows), "cv_macro_f1": round(cv, 3), "C": AGENT_C},
    ).save(MODELS / "agent_functions.npz")
    print(f"agent functions: examples {len(rows)}, cross-validated macro-F1 {cv:.3f}")


def tune_class_bias(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per-class shifts of the scores (logits) that maximise macro-F1 (coordinate ascent).

    Fitted on out-of-fold logits of GoEmotions *train*; the dev split stays untouched for the
    reported figure.
    """
    logs = scores
    bias = np.zeros(scores.shape[1])
    best = f1_score(truth, logs.argmax(1), average="macro")
    for _ in range(3):
        for k in range(len(bias)):
            for step in np.linspace(-2, 2, 41):
                trial = bias.copy()
                trial[k] += step
                score = f1_score(truth, (logs + trial).argmax(1), average="macro")
                if score > best + 1e-4:
                    best, bias = score, trial
    return bias


def nb_ratios(binary: sp.csr_matrix, positive: np.ndarray, alpha: float = NB_ALPHA) -> np.ndarray:
    """Log-count ratios of the hashed n-grams for one class (Wang & Manning 2012, NB-SVM):
    how much more often a term occurs in the class's comments than in the others'."""
    p = alpha + np.asarray(binary[positive].sum(0)).ravel()
    q = alpha + np.asarray(binary[~positive].sum(0)).ravel()
    ratios: np.ndarray = np.log((p / p.sum()) / (q / q.sum()))
    return ratios


def pool_fine(logits: np.ndarray, groups: list[int]) -> np.ndarray:
    """The emotions' logits: each emotion's own column, raised to the largest logit of its
    GoEmotions parts (columns after the emotions; ``groups`` gives each one's emotion)."""
    n = logits.shape[1] - len(groups)
    pooled = logits[:, :n].copy()
    for j, k in enumerate(groups):
        pooled[:, k] = np.maximum(pooled[:, k], logits[:, n + j])
    return pooled


def train_emotion() -> None:
    emotions = [e.value for e in Emotion]
    go = list(read_goemotions(GOEMOTIONS / "train.tsv"))
    fine = [labels for _, labels in read_goemotions_fine(GOEMOTIONS / "train.tsv")]
    assert len(fine) == len(go)
    # Every mapped comment: one with several heard emotions is a positive for each of them in
    # that emotion's one-vs-rest model.
    go_labels = np.array([[e in mapped for e in emotions] for _, mapped in go])
    fine_labels = np.array([[f in labels for f in FINE_LABELS] for labels in fine])
    groups = [emotions.index(MAPPING[f]) for f in FINE_LABELS]
    single = go_labels.sum(1) == 1
    own = list(read_jsonl(DATA / "customer_emotions.jsonl"))
    own_texts = [str(r["text"]) for r in own]
    own_labels = np.eye(len(emotions), dtype=bool)[[emotions.index(str(r["emotion"])) for r in own]]
    go_features = text_matrix([t for t, _ in go])
    own_features = text_matrix(own_texts)
    n_dense = go_features.shape[1] - HASH_SIZE

    def fit(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One balanced binary model per emotion (one-vs-rest beats a single softmax on
        macro-F1 here: each rare emotion gets its own decision boundary), then one per
        GoEmotions label in FINE_LABELS, on hashed n-grams scaled by that model's log-count
        ratios; the scaling is folded into the weights, so the shipped model is an ordinary
        linear model. Our own messages carry heard's emotions only: in a part's model those of
        its emotion are left out (weight 0), the others are negatives."""
        features = sp.vstack([go_features[rows], own_features]).tocsr()
        weights = np.concatenate([np.ones(len(rows)), np.full(len(own), OWN_EXAMPLE_WEIGHT)])
        binary = features[:, n_dense:].copy()
        binary.data = np.ones_like(binary.data)
        targets = [
            (np.concatenate([go_labels[rows, k], own_labels[:, k]]), weights)
            for k in range(len(emotions))
        ]
        for j, k in enumerate(groups):
            part_weights = weights.copy()
            part_weights[len(rows) :][own_labels[:, k]] = 0.0
            truth = np.concatenate([fine_labels[rows, j], np.zeros(len(own), dtype=bool)])
            targets.append((truth, part_weights))
        coefs, intercepts = [], []
        for positive, sample_weight in targets:
            ratios = nb_ratios(binary, positive)
            scale = np.concatenate([np.ones(n_dense), ratios])
            model = LogisticRegression(C=EMOTION_C, max_iter=4000, class_weight="balanced")
            model.fit(features @ sp.diags(scale), positive.astype(int), sample_weight=sample_weight)
            coefs.append(model.coef_[0] * scale)
            intercepts.append(model.intercept_[0])
        return np.vstack(coefs), np.array(intercepts)

    def logits(params: tuple[np.ndarray, np.ndarray], features: sp.csr_matrix) -> np.ndarray:
        return pool_fine(np.asarray(features @ params[0].T) + params[1], groups)

    def truth(rows: np.ndarray) -> np.ndarray:
        return np.asarray(go_labels[rows].argmax(1))

    # Choices are made on GoEmotions train only. Class offsets are tuned on out-of-fold logits
    # of the training part (single-emotion comments); the held-out 15 % then scores the result.
    order = np.random.default_rng(0).permutation(len(go))
    cut = int(len(order) * (1 - HOLDOUT_SHARE))
    training, held_out = order[:cut], order[cut:]
    held_out = held_out[single[held_out]]
    folds = np.random.default_rng(5).integers(0, OFFSET_FOLDS, len(training))
    oof_parts, oof_truth = [], []
    for f in range(OFFSET_FOLDS):
        scored = training[(folds == f) & single[training]]
        oof_parts.append(logits(fit(training[folds != f]), go_features[scored]))
        oof_truth.append(truth(scored))
    bias = tune_class_bias(np.vstack(oof_parts), np.concatenate(oof_truth))
    probe = logits(fit(training), go_features[held_out])
    before = f1_score(truth(held_out), probe.argmax(1), average="macro")
    after = f1_score(truth(held_out), (probe + bias).argmax(1), average="macro")
    print(f"emotion: held-out macro-F1 {before:.4f}, with class offsets {after:.4f}")
    params = fit(order)
    dense, hashed = split_weights(params[0], n_dense)
    # An emotion's offset shifts its parts' logits too, so pooling commutes with it.
    shifts = np.concatenate([bias, bias[groups]])
    # Intensity: a ridge regression on our own labelled messages, from the dense features plus
    # the predicted probabilities, stored alongside.
    own_probabilities = 1 / (1 + np.exp(-(logits(params, own_features) + bias)))
    intensity_features = np.hstack([own_probabilities, own_features[:, :n_dense].toarray()])
    ridge = Ridge(alpha=1.0).fit(intensity_features, np.array([float(r["intensity"]) for r in own]))  # type: ignore[arg-type]
    LinearModel(
        labels=(*emotions, *FINE_LABELS),
        kind="ovr",
        dense_weights=dense,
        hashed_weights=hashed,
        bias=(params[1] + shifts).astype(np.float32),
        thresholds=np.zeros(len(emotions) + len(FINE_LABELS), dtype=np.float32),
        info={
            "examples": len(go) + len(own),
            "own_examples": len(own),
            "C": EMOTION_C,
            "nb_alpha": NB_ALPHA,
            "emotions": len(emotions),
            "parts": dict(zip(FINE_LABELS, (emotions[k] for k in groups), strict=True)),
            "class_bias": bias.round(3).tolist(),
            "held_out_macro_f1": round(float(after), 4),
            "intensity_weights": ridge.coef_.astype(float).round(6).tolist(),
            "intensity_bias": float(ridge.intercept_),
        },
    ).save(MODELS / "emotion.npz")
    print(f"emotion: examples {len(go) + len(own)} (own {len(own)}), offsets {bias.round(2)}")


if __name__ == "__main__":
    targets = set(sys.argv[1:]) or {"agent", "functions", "emotion"}
    MODELS.mkdir(parents=True, exist_ok=True)
    if "agent" in targets:
        train_agent()
    if "functions" in targets:
        train_functions()
    if "emotion" in targets:
        train_emotion()
