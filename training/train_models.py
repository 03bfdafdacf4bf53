"""Train the models heard ships (src/heard/models/*.npz) from permissively licensed data.

    .venv/bin/pip install -e '.[train]'
    .venv/bin/python training/train_models.py [agent] [functions] [emotion | intensity]

Data (see docs/models.md for licences and scores):
- training/data/agent_turns_*.jsonl: agent replies labelled by heard's authors (Apache-2.0).
- training/data/customer_emotions.jsonl: customer messages labelled by heard's authors.
- ../shared/data/goemotions/train.tsv: GoEmotions (Apache-2.0), mapped to heard's emotions.
ESConv (CC BY-NC) is never read here: it is for evaluation only (benchmarks/accuracy.py).
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from scipy import sparse as sp
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold, cross_val_predict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from heard.listening.detectors.emotion import MIN_PROBABILITY, felt_intensity  # noqa: E402
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
# Emotion intensity: out-of-fold probabilities from this many folds of our own messages, a ridge
# of this strength on them, stretched by this factor around the labels' mean (see fit_intensity).
INTENSITY_FOLDS = 5
INTENSITY_SEED = 11
INTENSITY_ALPHA = 1.0
INTENSITY_STRETCH = 1.2
# Where text_features puts the message's length among the dense features (from the end).
LENGTH_COLUMN = -4
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


class EmotionData:
    """GoEmotions train mapped to heard's emotions, their GoEmotions parts, and heard's own
    labelled customer messages, featurised once for every fit below."""

    def __init__(self) -> None:
        self.emotions = [e.value for e in Emotion]
        go = list(read_goemotions(GOEMOTIONS / "train.tsv"))
        fine = [labels for _, labels in read_goemotions_fine(GOEMOTIONS / "train.tsv")]
        assert len(fine) == len(go)
        self.go_count = len(go)
        # Every mapped comment: one with several heard emotions is a positive for each of them in
        # that emotion's one-vs-rest model.
        self.go_labels = np.array([[e in mapped for e in self.emotions] for _, mapped in go])
        self.fine_labels = np.array([[f in labels for f in FINE_LABELS] for labels in fine])
        self.groups = [self.emotions.index(MAPPING[f]) for f in FINE_LABELS]
        self.single = self.go_labels.sum(1) == 1
        self.own = list(read_jsonl(DATA / "customer_emotions.jsonl"))
        self.own_labels = np.eye(len(self.emotions), dtype=bool)[
            [self.emotions.index(str(r["emotion"])) for r in self.own]
        ]
        self.own_intensity = np.array([float(r["intensity"]) for r in self.own])
        self.go_features = text_matrix([t for t, _ in go])
        self.own_features = text_matrix([str(r["text"]) for r in self.own])
        self.n_dense = self.go_features.shape[1] - HASH_SIZE

    def fit(
        self, rows: np.ndarray, own_rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """One balanced binary model per emotion (one-vs-rest beats a single softmax on
        macro-F1 here: each rare emotion gets its own decision boundary), then one per
        GoEmotions label in FINE_LABELS, on hashed n-grams scaled by that model's log-count
        ratios; the scaling is folded into the weights, so the shipped model is an ordinary
        linear model. Our own messages carry heard's emotions only: in a part's model those of
        its emotion are left out (weight 0), the others are negatives. ``own_rows`` limits our
        own messages (all by default) for the out-of-fold intensity fit."""
        own = np.arange(len(self.own)) if own_rows is None else own_rows
        own_labels = self.own_labels[own]
        n_dense = self.n_dense
        features = sp.vstack([self.go_features[rows], self.own_features[own]]).tocsr()
        weights = np.concatenate([np.ones(len(rows)), np.full(len(own), OWN_EXAMPLE_WEIGHT)])
        binary = features[:, n_dense:].copy()
        binary.data = np.ones_like(binary.data)
        targets = [
            (np.concatenate([self.go_labels[rows, k], own_labels[:, k]]), weights)
            for k in range(len(self.emotions))
        ]
        for j, k in enumerate(self.groups):
            part_weights = weights.copy()
            part_weights[len(rows) :][own_labels[:, k]] = 0.0
            truth = np.concatenate([self.fine_labels[rows, j], np.zeros(len(own), dtype=bool)])
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

    def logits(self, params: tuple[np.ndarray, np.ndarray], features: sp.csr_matrix) -> np.ndarray:
        return pool_fine(np.asarray(features @ params[0].T) + params[1], self.groups)

    def truth(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.go_labels[rows].argmax(1))

    def fit_intensity(self, class_bias: np.ndarray) -> tuple[np.ndarray, float, dict[str, float]]:
        """Intensity: a ridge regression on our own labelled messages, from the dense features
        plus the emotion probabilities, stretched back to the labels' spread.

        The probabilities are out-of-fold (each message scored by a classifier fitted without
        it): in-sample ones are more confident than any new message's, so a regression fitted
        on them misreads new messages. Ridge shrinks towards the mean; the stretch (one factor
        around the labels' mean, folded into the weights) gives back the spread the thresholds
        downstream are written against. Returns the weights, the bias, and the out-of-fold
        figures of the result."""
        folds = np.random.default_rng(INTENSITY_SEED).integers(0, INTENSITY_FOLDS, len(self.own))
        probabilities = np.zeros((len(self.own), len(self.emotions)))
        every_comment = np.arange(self.go_count)
        for f in range(INTENSITY_FOLDS):
            held = np.flatnonzero(folds == f)
            params = self.fit(every_comment, np.flatnonzero(folds != f))
            scored = self.logits(params, self.own_features[held]) + class_bias
            probabilities[held] = 1 / (1 + np.exp(-scored))
            print(f"intensity: fold {f + 1}/{INTENSITY_FOLDS}", flush=True)
        inputs = np.hstack([probabilities, self.own_features[:, : self.n_dense].toarray()])
        # Not the message's length: in our written set the most intense messages are the longest
        # rants, and a regression that learns that reads every long, calm message in real
        # customer-care tweets as intense (measured: docs/models.md, "intensity, measured").
        length = probabilities.shape[1] + self.n_dense + LENGTH_COLUMN
        inputs = np.delete(inputs, length, axis=1)
        y = self.own_intensity
        ridge = Ridge(alpha=INTENSITY_ALPHA)
        predicted = cross_val_predict(ridge, inputs, y, cv=KFold(5, shuffle=True, random_state=0))
        stretched = np.clip(y.mean() + INTENSITY_STRETCH * (predicted - y.mean()), 0.0, 1.0)
        # And as the detector reports it: neutral messages low, the floor, the intensifiers.
        neutral_column = self.emotions.index(Emotion.NEUTRAL.value)
        top = probabilities.max(1)
        reported = np.array(
            [
                felt_intensity(
                    bool(row.argmax() == neutral_column or p < MIN_PROBABILITY),
                    float(p),
                    float(regressed),
                    str(record["text"]),
                )
                for row, p, regressed, record in zip(
                    probabilities, top, stretched, self.own, strict=True
                )
            ]
        )
        figures = {
            "mae": round(float(np.abs(stretched - y).mean()), 3),
            "spearman": round(float(spearmanr(stretched, y).statistic), 3),
            "reported_mae": round(float(np.abs(reported - y).mean()), 3),
            "reported_spearman": round(float(spearmanr(reported, y).statistic), 3),
            "reported_precision_at_0.7": round(float((y[reported >= 0.7] >= 0.7).mean()), 3),
            "reported_recall_at_0.7": round(float((reported[y >= 0.7] >= 0.7).mean()), 3),
        }
        ridge.fit(inputs, y)
        weights = INTENSITY_STRETCH * np.insert(ridge.coef_, length, 0.0)
        bias = float(INTENSITY_STRETCH * ridge.intercept_ + (1 - INTENSITY_STRETCH) * y.mean())
        return weights, bias, figures


def train_emotion() -> None:
    data = EmotionData()
    emotions = data.emotions
    # Choices are made on GoEmotions train only. Class offsets are tuned on out-of-fold logits
    # of the training part (single-emotion comments); the held-out 15 % then scores the result.
    order = np.random.default_rng(0).permutation(data.go_count)
    cut = int(len(order) * (1 - HOLDOUT_SHARE))
    training, held_out = order[:cut], order[cut:]
    held_out = held_out[data.single[held_out]]
    folds = np.random.default_rng(5).integers(0, OFFSET_FOLDS, len(training))
    oof_parts, oof_truth = [], []
    for f in range(OFFSET_FOLDS):
        scored = training[(folds == f) & data.single[training]]
        oof_parts.append(data.logits(data.fit(training[folds != f]), data.go_features[scored]))
        oof_truth.append(data.truth(scored))
    bias = tune_class_bias(np.vstack(oof_parts), np.concatenate(oof_truth))
    probe = data.logits(data.fit(training), data.go_features[held_out])
    before = f1_score(data.truth(held_out), probe.argmax(1), average="macro")
    after = f1_score(data.truth(held_out), (probe + bias).argmax(1), average="macro")
    print(f"emotion: held-out macro-F1 {before:.4f}, with class offsets {after:.4f}")
    params = data.fit(order)
    dense, hashed = split_weights(params[0], data.n_dense)
    # An emotion's offset shifts its parts' logits too, so pooling commutes with it.
    shifts = np.concatenate([bias, bias[data.groups]])
    intensity_weights, intensity_bias, figures = data.fit_intensity(bias)
    LinearModel(
        labels=(*emotions, *FINE_LABELS),
        kind="ovr",
        dense_weights=dense,
        hashed_weights=hashed,
        bias=(params[1] + shifts).astype(np.float32),
        thresholds=np.zeros(len(emotions) + len(FINE_LABELS), dtype=np.float32),
        info={
            "examples": data.go_count + len(data.own),
            "own_examples": len(data.own),
            "C": EMOTION_C,
            "nb_alpha": NB_ALPHA,
            "emotions": len(emotions),
            "parts": dict(zip(FINE_LABELS, (emotions[k] for k in data.groups), strict=True)),
            "class_bias": bias.round(3).tolist(),
            "held_out_macro_f1": round(float(after), 4),
            **_intensity_info(intensity_weights, intensity_bias, figures),
        },
    ).save(MODELS / "emotion.npz")
    print(
        f"emotion: examples {data.go_count + len(data.own)} (own {len(data.own)}), "
        f"offsets {bias.round(2)}"
    )


def train_intensity() -> None:
    """Refit only the shipped emotion model's intensity regression. Refitting the classifier
    itself does not land on the same weights on every machine (see docs/models.md), so the
    intensity can be improved without moving the emotions."""
    path = MODELS / "emotion.npz"
    shipped = LinearModel.load(path)
    data = EmotionData()
    weights, bias, figures = data.fit_intensity(np.asarray(shipped.info["class_bias"]))
    info = {**shipped.info, **_intensity_info(weights, bias, figures)}
    replace(shipped, info=info).save(path)
    print(f"intensity, out of fold: {figures}")


def _intensity_info(
    weights: np.ndarray, bias: float, figures: dict[str, float]
) -> dict[str, object]:
    return {
        "intensity_weights": weights.astype(float).round(6).tolist(),
        "intensity_bias": round(bias, 6),
        "intensity_out_of_fold": figures,
        "intensity_stretch": INTENSITY_STRETCH,
    }


if __name__ == "__main__":
    targets = set(sys.argv[1:]) or {"agent", "functions", "emotion"}
    MODELS.mkdir(parents=True, exist_ok=True)
    if "agent" in targets:
        train_agent()
    if "functions" in targets:
        train_functions()
    if "emotion" in targets:
        train_emotion()
    elif "intensity" in targets:
        train_intensity()
