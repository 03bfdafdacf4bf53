"""Quick probe (not shipped): how well do features + LR do on GoEmotions dev?"""
import sys, time
from pathlib import Path
import numpy as np
from scipy import sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, classification_report
sys.path.insert(0, ".")
from training.goemotions import read_goemotions, EMOTIONS
from heard.listening.encoder import default_encoder
from heard.listening.features import text_features, HASH_SIZE

G = Path("/work/shared/data/goemotions")
def load(name):
    rows = [(t, next(iter(m))) for t, m in read_goemotions(G / name) if len(m) == 1]
    return [t for t, _ in rows], np.array([EMOTIONS.index(l) for _, l in rows])
def feats(texts):
    enc = default_encoder()
    d, s = text_features(texts, enc.encode(texts))
    rows = np.concatenate([np.full(x.indices.size, i) for i, x in enumerate(s)])
    cols = np.concatenate([x.indices for x in s]); vals = np.concatenate([x.values for x in s])
    H = sp.csr_matrix((vals, (rows, cols)), shape=(len(texts), HASH_SIZE))
    return sp.hstack([sp.csr_matrix(d), H]).tocsr()
tx, ty = load("train.tsv"); dx, dy = load("dev.tsv")
t = time.time(); X = feats(tx); D = feats(dx); print("feats", time.time() - t, X.shape)
for C in (float(a) for a in sys.argv[1:] or ["1", "3"]):
    for cw in (None, "balanced"):
        m = LogisticRegression(C=C, max_iter=2000, class_weight=cw)
        m.fit(X, ty); p = m.predict(D)
        print(C, cw, "macroF1", round(f1_score(dy, p, average="macro"), 4))
print(classification_report(dy, p, target_names=EMOTIONS))
