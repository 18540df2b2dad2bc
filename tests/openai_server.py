"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions protocol.

Tests script its behaviour per request (`script`), or let a `responder` answer from the
prompt; every request body is recorded. Faults it can inject: any status with headers
(429 + Retry-After, 500, 400), slow replies (client timeouts), bodies that are not JSON,
replies whose content is malformed or truncated JSON, refusals of a `response_format` type
(`refuse`: as llama-cpp-python 0.3 does, or as a 400), and a server that starts late on a
fixed port (`port`).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted answer: a chat reply, an HTTP error, or a raw body."""

    content: str | None = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: bytes | None = None
    finish_reason: str = "stop"


def llama_cpp_refusal(delay: float = 0.05) -> Reply:
    """How llama-cpp-python 0.3.36 answers a json_schema response_format: 500, a FastAPI validation error."""
    detail = ("{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
              "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
              "'ctx': {'expected': \"'text' or 'json_object'\"}}")
    error = {"message": f"1 validation error:\n  {detail}\n", "type": "internal_server_error",
             "param": None, "code": None}
    return Reply(status=500, raw=json.dumps({"error": error}).encode(), delay=delay)


def openai_refusal(kind: str = "json_schema", status: int = 400, delay: float = 0.05) -> Reply:
    """An OpenAI-style refusal of a response_format type, as a 400 (or `status`)."""
    error = {"message": f"response_format {kind} is not supported by this server",
             "type": "invalid_request_error", "param": "response_format", "code": None}
    return Reply(status=status, raw=json.dumps({"error": error}).encode(), delay=delay)


def chat_body(content: str, model: str, finish_reason: str = "stop", prompt_tokens: int = 10) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": max(1, len(content) // 4),
                  "total_tokens": prompt_tokens + max(1, len(content) // 4)},
    }


class OpenAIStub:
    """Start with `with OpenAIStub() as server:`; `server.base_url` is the /v1 root."""

    def __init__(self, responder: Callable[[dict[str, Any]], str] | None = None, delay: float = 0.0,
                 reject_json_schema: bool = False, refuse: dict[str, Reply] | None = None, port: int = 0) -> None:
        self.script: deque[Reply] = deque()
        self.responder = responder or (lambda body: '{"pairs": [{"instruction": "What?", "input": "", "output": "That."}]}')
        self.delay = delay
        # response_format type -> the refusal every request of that type gets
        self.refuse = dict(refuse or {})
        if reject_json_schema:
            self.refuse.setdefault("json_schema", openai_refusal(delay=0.0))
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once, no 40 ms ACK stall

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:  # /v1/models
                self._send(200, json.dumps({"object": "list", "data": [{"id": "stub-model", "object": "model"}]}).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with stub.lock:
                    stub.requests.append(body)
                    stub.headers.append({k.lower(): v for k, v in self.headers.items()})
                    reply = stub.script.popleft() if stub.script else None
                if reply is None:
                    fmt = (body.get("response_format") or {}).get("type", "text")
                    reply = stub.refuse.get(fmt) or Reply(content=stub.responder(body), delay=stub.delay)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.raw is not None:
                    self._send(reply.status, reply.raw, reply.headers)
                elif reply.status != 200:
                    error = {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
                    self._send(reply.status, json.dumps(error).encode(), reply.headers)
                else:
                    payload = chat_body(reply.content or "", body.get("model", "stub-model"), reply.finish_reason)
                    self._send(200, json.dumps(payload).encode(), reply.headers)

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # a burst of new connections must not overflow the backlog

        self.server = Server(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> OpenAIStub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def prompt_of(body: dict[str, Any]) -> str:
    """The last user message of a recorded request."""
    return [m["content"] for m in body["messages"] if m["role"] == "user"][-1]


def section_of(body: dict[str, Any]) -> str:
    """The documentation a generation request carries (the sections or the multi template)."""
    prompt = prompt_of(body)
    for start, end in (("<section>", "</section>"), ("<documentation>", "</documentation>")):
        if start in prompt:
            return prompt.split(start)[1].split(end)[0]
    raise AssertionError("no documentation in the prompt")


def serve_forever_cli() -> None:  # pragma: no cover - used by the kill/resume test and bench
    """Run a stub as a separate process: `python -m tests.openai_server PORTFILE DELAY`."""
    import sys

    port_file, delay = sys.argv[1], float(sys.argv[2])

    def responder(body: dict[str, Any]) -> str:
        text = prompt_of(body)
        import hashlib

        tag = hashlib.sha1(text.encode()).hexdigest()[:8]
        return json.dumps({"pairs": [{"instruction": f"What does section {tag} say?", "input": "",
                                      "output": f"Section {tag} explains it."}]})

    stub = OpenAIStub(responder=responder, delay=delay)
    with stub:
        with open(port_file + ".tmp", "w") as fh:
            fh.write(stub.base_url)
        import os

        os.replace(port_file + ".tmp", port_file)
        stub.thread.join()


if __name__ == "__main__":  # pragma: no cover
    serve_forever_cli()
