"""The OpenAI backend against a real HTTP server on 127.0.0.1, driven by the real client."""

from __future__ import annotations

import asyncio
import json

import pytest

from alpaca_gen.backends.base import Request
from alpaca_gen.backends.openai_backend import OpenAIBackend, retry_after_seconds
from alpaca_gen.schema import pairs_schema
from pairsmith.errors import BackendError, BackendUnavailable
from tests.openai_server import OpenAIStub, Reply

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
