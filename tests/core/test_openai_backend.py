"""The OpenAI backend against a real HTTP server on 127.0.0.1, driven by the real client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from pathlib import Path
import time

import pytest

from pairsmith.core.backends.base import Request
from pairsmith.core.backends.openai import OpenAIBackend, retry_after_seconds
from alpaca_gen.schema import pairs_schema
from pairsmith.core.errors import BackendError, BackendUnavailable
from tests.openai_server import OpenAIStub, Reply, llama_cpp_refusal, openai_refusal

REQUEST = Request([{"role": "user", "content": "Write pairs."}], max_tokens=64, json_schema=pairs_schema(2))


def backend_for(server: OpenAIStub, **kwargs) -> tuple[OpenAIBackend, list[float]]:
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    options = {"max_retries": 3, "timeout": 5.0, **kwargs}
    return OpenAIBackend("stub-model", base_url=server.base_url, api_key="sk-test-secret", sleep=record,
                         **options), delays


def complete(backend: OpenAIBackend, request: Request = REQUEST):
    async def go():
        try:
            return await backend.complete(request)
        finally:
            await backend.aclose()

    return asyncio.run(go())


def test_normal_reply_with_usage_and_schema(openai_server: OpenAIStub) -> None:
    backend, delays = backend_for(openai_server)
    result = complete(backend)
    assert json.loads(result.text)["pairs"][0]["instruction"] == "What?"
    assert result.prompt_tokens == 10 and result.completion_tokens > 0
    sent = openai_server.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["model"] == "stub-model" and sent["max_tokens"] == 64
    assert openai_server.headers[0]["authorization"] == "Bearer sk-test-secret"
    assert delays == []


def test_429_honours_retry_after(openai_server: OpenAIStub) -> None:
    openai_server.script.extend([Reply(status=429, headers={"Retry-After": "7"}), Reply(content='[]')])
    backend, delays = backend_for(openai_server)
    assert complete(backend).text == "[]"
    assert delays == [7.0]
    assert backend.stats.retries == {"429": 1}


def test_500s_back_off_exponentially(openai_server: OpenAIStub) -> None:
    openai_server.script.extend([Reply(status=500), Reply(status=502), Reply(status=503), Reply(content="ok")])
    backend, delays = backend_for(openai_server, backoff=1.0)
    assert complete(backend).text == "ok"
    assert len(delays) == 3
    # Jittered in [0.5, 1] x 1, 2, 4 seconds: each attempt waits longer than the one before.
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2 and 2 <= delays[2] <= 4
    assert backend.stats.retries == {"500": 1, "502": 1, "503": 1}
    # A 500 that does not name the response_format is a fault, not a refusal of the schema.
    assert {r["response_format"]["type"] for r in openai_server.requests} == {"json_schema"}


def test_timeouts_are_retried(openai_server: OpenAIStub) -> None:
    openai_server.script.extend([Reply(content="late", delay=1.5), Reply(content="on time")])
    backend, delays = backend_for(openai_server, timeout=0.5)
    assert complete(backend).text == "on time"
    assert backend.stats.retries == {"timeout": 1}


def test_malformed_body_is_retried(openai_server: OpenAIStub) -> None:
    openai_server.script.extend([Reply(raw=b"{this is not json"), Reply(content="fine")])
    backend, _ = backend_for(openai_server)
    assert complete(backend).text == "fine"
    assert backend.stats.retries == {"malformed reply": 1}


def test_gives_up_after_max_retries(openai_server: OpenAIStub) -> None:
    openai_server.script.extend([Reply(status=500)] * 4)
    backend, delays = backend_for(openai_server, max_retries=3)
    with pytest.raises(BackendUnavailable, match="giving up after 4 attempts"):
        complete(backend)
    assert len(delays) == 3


def test_bad_key_is_one_clear_error_without_the_key(openai_server: OpenAIStub) -> None:
    openai_server.script.append(Reply(status=401))
    backend, _ = backend_for(openai_server)
    with pytest.raises(BackendError) as info:
        complete(backend)
    assert "OPENAI_API_KEY" in str(info.value) and "sk-test-secret" not in str(info.value)


def test_falls_back_from_json_schema_to_json_mode() -> None:
    with OpenAIStub(reject_json_schema=True) as server:
        backend, _ = backend_for(server)
        assert "pairs" in complete(backend).text
        formats = [(r.get("response_format") or {}).get("type") for r in server.requests]
        assert formats == ["json_schema", "json_object"]
        assert any("json_object" in n for n in backend.stats.notes)


def test_llama_cpp_500_refusal_is_read_and_json_mode_used() -> None:
    """llama-cpp-python 0.3.36 answers json_schema with a 500 validation error: not a fault to retry."""
    with OpenAIStub(refuse={"json_schema": llama_cpp_refusal()}) as server:
        backend, delays = backend_for(server)
        result = complete(backend)
        assert "pairs" in result.text and result.response_format == "json_object"
        assert [r["response_format"]["type"] for r in server.requests] == ["json_schema", "json_object"]
        assert delays == [] and backend.stats.retries == {}
        [note] = backend.stats.notes
        assert "refused response_format json_schema (HTTP 500" in note and "json_object mode" in note
        assert "Input should be 'text' or 'json_object'" in note  # the whole message, not its first line


def test_refusal_of_both_modes_falls_to_plain_text() -> None:
    refuse = {"json_schema": openai_refusal("json_schema"), "json_object": openai_refusal("json_object", 422)}
    with OpenAIStub(refuse=refuse) as server:
        backend, delays = backend_for(server)
        assert complete(backend).response_format == "text"
        formats = [(r.get("response_format") or {}).get("type") for r in server.requests]
        assert formats == ["json_schema", "json_object", None] and delays == []
        assert ["json_schema" in n for n in backend.stats.notes] == [True, False]


def test_concurrent_refusals_step_down_once() -> None:
    """Requests in flight at json_schema are all refused; only one steps down, the others resend."""
    with OpenAIStub(refuse={"json_schema": openai_refusal(delay=0.1)}) as server:
        backend, delays = backend_for(server, concurrency=4)

        async def go():
            try:
                return await asyncio.gather(*(backend.complete(REQUEST) for _ in range(12)))
            finally:
                await backend.aclose()

        results = asyncio.run(go())
        assert {r.response_format for r in results} == {"json_object"}
        formats = [(r.get("response_format") or {}).get("type") for r in server.requests]
        assert None not in formats and formats.count("json_object") == 12 and formats.count("json_schema") >= 2
        assert backend.level == 1 and len(backend.stats.notes) == 1 and delays == []


def test_refused_request_shows_the_servers_whole_message(openai_server: OpenAIStub) -> None:
    message = "1 validation error:\n  max_tokens\n    Input should be less than 4096"
    openai_server.script.append(Reply(status=400, raw=json.dumps({"error": {"message": message}}).encode()))
    backend, _ = backend_for(openai_server)
    with pytest.raises(BackendError, match="validation error: max_tokens Input should be less than 4096"):
        complete(backend, Request([{"role": "user", "content": "Hi."}], max_tokens=9999))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def server_up_after(seconds: float, port: int):
    """A stub that starts listening on `port` only after `seconds` (the port is closed until then)."""
    started: list[OpenAIStub] = []

    def start() -> None:
        started.append(OpenAIStub(port=port).__enter__())

    timer = threading.Timer(seconds, start)
    timer.start()
    try:
        yield started
    finally:
        timer.cancel()
        timer.join()
        for server in started:
            server.__exit__(None, None, None)


def unreachable_backend(port: int, window: float) -> OpenAIBackend:
    return OpenAIBackend("stub-model", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1, timeout=5.0,
                         backoff=0.2, max_backoff=1.0, connect_window=window)


def test_server_back_within_the_window_costs_no_unit() -> None:
    port = free_port()
    with server_up_after(3.0, port) as started:
        backend = unreachable_backend(port, window=10.0)
        begun = time.monotonic()
        assert "pairs" in complete(backend).text
        assert 3.0 <= time.monotonic() - begun < 8.0 and len(started[0].requests) == 1
        # More attempts than max_retries allows for other faults: the window decides.
        assert backend.stats.retries["connection"] > 1 + backend.max_retries


def test_server_down_past_the_window_fails_clearly() -> None:
    backend = unreachable_backend(free_port(), window=1.0)
    begun = time.monotonic()
    clear = r"cannot connect to http://127.0.0.1:\d+/v1 .* for 1 s.*--retry-window"
    with pytest.raises(BackendUnavailable, match=clear):
        complete(backend)
    assert time.monotonic() - begun < 3.0


def test_connection_window_counts_waits_with_a_fake_sleep() -> None:
    with socket.socket() as sock:  # nothing listens on this port
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        backend = OpenAIBackend("stub-model", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0, backoff=1.0,
                                max_backoff=60.0, connect_window=30.0, sleep=_no_wait)
        with pytest.raises(BackendUnavailable, match="--retry-window"):
            complete(backend)
        assert backend.stats.retries["connection"] >= 6  # polled at most every 5 s for 30 s


async def _no_wait(seconds: float) -> None:
    await asyncio.sleep(0)


def test_truncated_reply_reports_length(openai_server: OpenAIStub) -> None:
    openai_server.script.append(Reply(content='{"pairs": [{"instruction": "a", "inp', finish_reason="length"))
    backend, _ = backend_for(openai_server)
    assert complete(backend).finish_reason == "length"


@pytest.mark.parametrize("headers,expected", [({"retry-after": "3"}, 3.0), ({"retry-after-ms": "250"}, 0.25),
                                               ({}, None), ({"retry-after": "garbage"}, None)])
def test_retry_after_parsing(headers: dict, expected: float | None) -> None:
    assert retry_after_seconds(headers) == expected


def test_concurrency_is_bounded() -> None:
    with OpenAIStub(delay=0.2) as server:
        backend, _ = backend_for(server, concurrency=3)
        active = {"now": 0, "max": 0}
        original = backend._complete

        async def tracking(request: Request):
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
            try:
                return await original(request)
            finally:
                active["now"] -= 1

        backend._complete = tracking  # type: ignore[method-assign]

        async def go():
            await asyncio.gather(*(backend.complete(REQUEST) for _ in range(9)))
            await backend.aclose()

        asyncio.run(go())
        assert active["max"] == 3 and len(server.requests) == 9


def test_a_fleet_spreads_requests_and_survives_a_dead_server(tmp_path: Path) -> None:
    """Several --base-url values: the least-busy server takes each request; one that stays
    unreachable is dropped from the fleet and the rest finish the run, resumable as ever."""
    import json as _json
    import socket

    from alpaca_gen.generate import generate
    from alpaca_gen.options import GenerateOptions
    from tests.app.test_pipeline import answer_from_docs

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(12):
        (docs / f"page{i}.md").write_text(f"# Page {i}\n\nPage {i} says that setting {i} is on by default.\n",
                                          encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # nothing listens here
    with OpenAIStub(responder=answer_from_docs, delay=0.05) as one, OpenAIStub(responder=answer_from_docs, delay=0.05) as two:
        urls = ",".join([one.base_url, two.base_url, dead])
        summary = generate(GenerateOptions(paths=[str(docs)], out=str(tmp_path / "pairs.jsonl"), model="m",
                                           base_url=urls, concurrency=2, retry_window=0.5, progress=False,
                                           cache=str(tmp_path / "cache.sqlite")))
        assert summary.pairs_written == 12
        assert len(one.requests) >= 3 and len(two.requests) >= 3  # both took a share
        rows = [_json.loads(line) for line in (tmp_path / "pairs.jsonl").read_text().splitlines()]
        assert len(rows[0]["generator"]["base_url"]) == 3
        served = len(one.requests) + len(two.requests)
        again = generate(GenerateOptions(paths=[str(docs)], out=str(tmp_path / "pairs.jsonl"), model="m",
                                         base_url=urls, retry_window=0.5, progress=False,
                                         cache=str(tmp_path / "cache.sqlite")))
        assert again.pairs_written == 0 and len(one.requests) + len(two.requests) == served  # resumed from the cache
