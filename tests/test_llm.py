"""The LLM provider seam with the real packaged model: the local model (llama.cpp's server, run by xllamacpp in
a process the tool starts itself) and the openai provider against a loopback server."""

from __future__ import annotations

import hashlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from assistant.llm import LLMError, build_llm, complete_json, complete_text, local, schema_problem, stream_text
from assistant.llm import model as packaged
from assistant.llm.local_model import LocalChatModel
from assistant.settings import LLMSettings
from tests.conftest import LlamaServer, free_port

SCHEMA = {
    "type": "object",
    "properties": {"anchor": {"type": "string"}, "relevant": {"type": "boolean"}},
    "required": ["anchor", "relevant"],
}
SYSTEM = "You help an editor add internal links to a blog. Answer briefly."
COUNT = [("system", "You answer tersely."), ("user", "Count from 1 to 40, separated by commas.")]


@pytest.fixture(scope="module")
def llm() -> BaseChatModel:
    """The packaged model (assembled into the user cache dir on first use), loaded once for the module."""
    model = build_llm(LLMSettings(context_tokens=2048, max_tokens=40))
    assert isinstance(model, LocalChatModel)
    return model


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


@pytest.fixture
def model_cache(tmp_path: Path) -> Iterator[Path]:
    """An empty model cache dir; the 0.5 GB model assembled into it is deleted afterwards."""
    yield tmp_path
    (tmp_path / packaged.MODEL_FILE).unlink(missing_ok=True)


def test_packaged_model_is_assembled_verified_and_rebuilt_when_corrupted(model_cache: Path) -> None:
    tmp_path = model_cache
    path = packaged.model_path(cache=tmp_path)
    assert path == tmp_path / packaged.MODEL_FILE
    assert sha256(path) == packaged.MODEL_SHA256
    assert sorted(p.name for p in tmp_path.iterdir()) == [packaged.MODEL_FILE, packaged.MODEL_FILE + ".verified.json"]
    stamp = path.stat().st_mtime_ns
    assert packaged.model_path(cache=tmp_path) == path and path.stat().st_mtime_ns == stamp  # trusted, not rebuilt

    with path.open("r+b") as f:  # one flipped byte, same size
        f.seek(1_000_000)
        byte = f.read(1)
        f.seek(1_000_000)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert packaged.model_path(cache=tmp_path) == path
    assert sha256(path) == packaged.MODEL_SHA256

    with path.open("r+b") as f:  # truncated
        f.truncate(1000)
    packaged.model_path(cache=tmp_path)
    assert path.stat().st_size == sum(packaged._size(p) for p in packaged._parts())


def test_a_bad_hash_is_an_error_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = [tmp_path / f"part{i}.bin" for i in range(2)]
    for i, part in enumerate(parts):
        part.write_bytes(b"GGUF" * (i + 1))
    monkeypatch.setattr(packaged, "_parts", lambda: parts)
    cache = tmp_path / "cache"
    with pytest.raises(LLMError, match=f"{packaged.MODEL_FILE} has sha256 .* expected {packaged.MODEL_SHA256}"):
        packaged.model_path(cache=cache)
    assert list(cache.iterdir()) == []  # no temp file left behind, nothing trusted


def test_model_path_setting_must_name_a_gguf_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.gguf"
    with pytest.raises(LLMError, match=f"model file {missing} does not exist"):
        build_llm(LLMSettings(model_path=str(missing)))
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(LLMError, match=f"model file {other} is not a GGUF file"):
        build_llm(LLMSettings(model_path=str(other)))


def test_complete_text(llm: BaseChatModel) -> None:
    text = complete_text(llm, SYSTEM, "In one sentence: why do internal links help readers?", max_tokens=40)
    assert len(text.split()) >= 3


def test_complete_json_follows_the_schema(llm: BaseChatModel) -> None:
    data = complete_json(llm, SYSTEM + " Reply in JSON.",
                         "Propose an anchor text for a link to the page 'A guide to Go generics', and say whether "
                         "that page is relevant to a post about Go interfaces.", SCHEMA, max_tokens=40)
    assert schema_problem(data, SCHEMA) == ""
    assert data["anchor"].strip()


def test_stream_text_streams_and_stops_early(llm: BaseChatModel) -> None:
    pieces = list(stream_text(llm, COUNT, max_tokens=12))
    assert len(pieces) >= 5
    assert "1" in pieces[0] and "2" in "".join(pieces)

    stop = threading.Event()
    got = []
    for piece in stream_text(llm, COUNT, max_tokens=40, stop=stop):
        got.append(piece)
        if len(got) == 3:
            stop.set()
    assert len(got) == 3
    assert list(stream_text(llm, COUNT, stop=stop)) == []  # already set: nothing
    assert complete_text(llm, "Reply with one word.", "Say yes.", max_tokens=4)  # the generation was freed


def test_a_second_generation_while_one_streams_is_answered_after_it(llm: BaseChatModel) -> None:
    stream = stream_text(llm, COUNT, max_tokens=10)
    assert next(stream)
    assert complete_text(llm, "Reply with one word.", "Say yes.", max_tokens=4)   # queued behind the stream
    assert "".join(stream)                                                         # which still ends
    stream.close()


def test_the_model_is_loaded_once_and_shared(llm: BaseChatModel) -> None:
    assert isinstance(llm, LocalChatModel)
    other = build_llm(LLMSettings(context_tokens=2048, max_tokens=40))
    assert isinstance(other, LocalChatModel) and other is not llm
    assert other.endpoint() == llm.endpoint()
    # one server for this model, context size and thread count (other tests may run the same file with others)
    assert len([k for k in local._servers if k[:2] == (llm.model_path, 2048)]) == 1
    at = llm.endpoint()
    assert at.url.startswith("http://127.0.0.1:") and at.key
    import httpx

    assert httpx.get(at.url + "/models", timeout=10).status_code == 401     # the API key keeps others out


def test_a_prompt_longer_than_the_context_names_the_setting(llm: BaseChatModel) -> None:
    with pytest.raises(LLMError, match=r"exceeds the available context size .*\(\[llm\] context_tokens\)$"):
        complete_text(llm, "s", "word " * 3000, max_tokens=4)


def test_a_server_that_died_is_reported_then_restarted(llm: BaseChatModel) -> None:
    assert isinstance(llm, LocalChatModel)
    server = local.server(llm.model_path, llm.context_tokens, llm.threads)
    assert server.proc is not None
    stream = stream_text(llm, COUNT, max_tokens=200)
    assert next(stream)
    os.kill(server.proc.pid, signal.SIGKILL)          # killed while it answers
    server.proc.wait()
    with pytest.raises(LLMError, match=r"local model .* failed: the local model server exited \(code -9\)"):
        list(stream)
    assert complete_text(llm, "Reply with one word.", "Say yes.", max_tokens=4)     # a new server
    assert local.server(llm.model_path, llm.context_tokens, llm.threads) is not server


def test_the_server_ends_with_its_parent(tmp_path: Path) -> None:
    """The tool's server (``--parent``) exits when its input closes, however the tool ended."""
    import json
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "assistant.llm.serve", "--parent", "--ctx", "512"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None and proc.stdin is not None
    said = json.loads(proc.stdout.readline())
    assert said["url"].startswith("http://127.0.0.1:") and said["model"] == "local"
    proc.send_signal(signal.SIGINT)                        # Ctrl-C is the tool's, not its model's
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0


def test_complete_json_retries_once_then_fails_clearly() -> None:
    good = '{"anchor": "Go generics", "relevant": true}'
    assert complete_json(FakeListChatModel(responses=["{not json", good]), "s", "u", SCHEMA) == {
        "anchor": "Go generics", "relevant": True}
    with pytest.raises(LLMError, match=r"invalid JSON twice: missing required keys \['relevant'\]"):
        complete_json(FakeListChatModel(responses=['{"anchor": "x"}'] * 2), "s", "u", SCHEMA)
    assert schema_problem({"anchor": 1, "relevant": True}, SCHEMA) == "'anchor' should be string, got int"
    assert schema_problem({"anchor": "a", "relevant": 1}, SCHEMA) == "'relevant' should be boolean, got int"
    assert schema_problem([], SCHEMA) == "expected a JSON object, got list"


# --- the openai provider against llama.cpp's OpenAI-compatible server on loopback (its own process) ---------------


@pytest.fixture(scope="module")
def remote(llama_server: LlamaServer) -> BaseChatModel:
    return build_llm(LLMSettings(provider="openai", base_url=llama_server.url, model="qwen", max_tokens=40,
                                 timeout=120))


def test_openai_provider_json_and_stream(remote: BaseChatModel) -> None:
    data = complete_json(remote, SYSTEM + " Reply in JSON.",
                         "Propose an anchor text for a link to the page 'A guide to Go generics', and say whether "
                         "that page is relevant to a post about Go interfaces.", SCHEMA, max_tokens=40)
    assert schema_problem(data, SCHEMA) == ""

    pieces = list(stream_text(remote, COUNT, max_tokens=12))
    assert len(pieces) >= 5 and "2" in "".join(pieces)
    stop = threading.Event()
    got = []
    for piece in stream_text(remote, COUNT, max_tokens=40, stop=stop):
        got.append(piece)
        if len(got) == 3:
            stop.set()
    assert len(got) == 3


def test_openai_provider_speaks_each_endpoint_dialect(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fmt = {"type": "json_object", "schema": SCHEMA}
    server = build_llm(LLMSettings(provider="openai", base_url="http://127.0.0.1:9/v1", model="qwen", max_tokens=50))
    payload = server._get_request_payload([("user", "u")], response_format=fmt)  # type: ignore[attr-defined]
    assert payload["max_tokens"] == 50 and "max_completion_tokens" not in payload
    assert payload["response_format"] == fmt
    payload = server._get_request_payload([("user", "u")], top_k=20, cache_prompt=True)  # type: ignore[attr-defined]
    assert payload["extra_body"] == {"top_k": 20, "cache_prompt": True} and "top_k" not in payload
    openai_ = build_llm(LLMSettings(provider="openai", model="gpt-4o-mini", max_tokens=50))
    payload = openai_._get_request_payload([("user", "u")], response_format=fmt)  # type: ignore[attr-defined]
    assert payload["max_completion_tokens"] == 50 and "max_tokens" not in payload
    assert payload["response_format"] == {"type": "json_schema",
                                          "json_schema": {"name": "reply", "schema": SCHEMA, "strict": False}}


def test_openai_provider_errors_name_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    dead = build_llm(LLMSettings(provider="openai", base_url=url, model="qwen", timeout=5))
    with pytest.raises(LLMError, match=f"cannot reach model 'qwen' at {url}"):
        complete_text(dead, "s", "u", max_tokens=4)
    with pytest.raises(LLMError, match=f"cannot reach model 'qwen' at {url}"):
        list(stream_text(dead, [("user", "u")], max_tokens=4))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(LLMError, match="needs OPENAI_API_KEY"):
        build_llm(LLMSettings(provider="openai"))
