"""Any OpenAI-compatible server through the official `openai` client (async).

Bounded concurrency, retries with exponential backoff that honour 429 / Retry-After,
timeouts, a longer window for a server that is down (connection refused or reset), and
structured output that degrades: JSON schema, then JSON mode, then plain text for the
tolerant parser, remembered once a server has refused a level.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import openai

from pairsmith.core.backends.base import RESPONSE_FORMATS as _LEVELS, Backend, BackendStats, Completion, Request, redact_url
from pairsmith.core.backends.registry import register
from pairsmith.core.errors import BackendError, BackendUnavailable

__all__ = ["OpenAIBackend", "redact_url", "retry_after_seconds"]

_TEXT = len(_LEVELS) - 1
# What a server's error says when it refuses the response_format rather than the request
# (llama-cpp-python 0.3 answers 500 "Input should be 'text' or 'json_object'").
_FORMAT_WORDS = ("response_format", "json_schema", "json_object", "structured output", "guided_json", "grammar")
_CONNECT_POLL = 5.0  # longest wait between attempts to reach a server that is down
_MESSAGE_LIMIT = 4000


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds a server asked us to wait (Retry-After as seconds or HTTP date, or -ms)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - time.time())


@register("openai")
class OpenAIBackend(Backend):
    """Chat completions from an OpenAI-compatible server."""

    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        concurrency: int = 16,
        timeout: float = 120.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        connect_window: float = 180.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(model)
        # The client's own retries are off: ours count retries and honour Retry-After exactly.
        self.client = openai.AsyncOpenAI(base_url=base_url, api_key=api_key or "not-needed",
                                         timeout=timeout, max_retries=0)
        self.base_url = redact_url(str(self.client.base_url))
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.connect_window = connect_window  # seconds a server may stay unreachable before units fail
        self.down_since: float | None = None  # when the server stopped accepting connections
        self.level = 0  # index into _LEVELS: how much structure this server accepts
        self.sleep = sleep  # injectable, so tests can see the delays without waiting them out

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "base_url": self.base_url}

    def _level(self, request: Request) -> int:
        """The response_format level to send this request at (text when it has no schema)."""
        return self.level if request.json_schema is not None else _TEXT

    def _format(self, request: Request, level: int) -> dict[str, Any]:
        if _LEVELS[level] == "text":
            return {}
        if _LEVELS[level] == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": "pairs", "schema": request.json_schema, "strict": False}}}

    def _delay(self, attempt: int, hinted: float | None, cap: float | None = None) -> float:
        if hinted is not None:
            return min(hinted, self.max_backoff)
        cap = self.max_backoff if cap is None else min(cap, self.max_backoff)
        return min(cap, self.backoff * 2**attempt) * (0.5 + random.random() / 2)

    async def complete(self, request: Request) -> Completion:
        async with self.semaphore:
            return await self._complete(request)

    async def _send(self, request: Request, level: int) -> Completion:
        """One request at one response_format level; raises the client's errors."""
        self.stats.requests += 1
        response = await self.client.chat.completions.create(
            model=self.model, messages=request.messages, max_tokens=request.max_tokens,
            temperature=request.temperature, **({"seed": request.seed} if request.seed is not None else {}),
            **self._format(request, level))
        self.down_since = None
        if not response.choices:
            raise ValueError("reply has no choices")
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
            finish_reason=choice.finish_reason or "stop",
            response_format=_LEVELS[level],
        )

    async def _complete(self, request: Request) -> Completion:
        attempt = 0  # retries spent on 429, 5xx, timeouts and malformed replies
        outage = _Outage()  # attempts and waits while the server cannot be reached
        while True:
            level = self._level(request)
            try:
                return await self._send(request, level)
            except openai.APIStatusError as exc:
                self.down_since = None  # it answered: it is up
                if self._refused_format(exc, level):
                    continue  # resent at the level the server accepts; no retry spent
                self._raise_if_final(exc)
                reason, hinted = str(exc.status_code), retry_after_seconds(exc.response.headers)
            except openai.APITimeoutError:
                reason, hinted = "timeout", None
            except openai.APIConnectionError as exc:
                await self._wait_for_server(outage, exc)
                continue
            except (openai.APIResponseValidationError, ValueError):
                reason, hinted = "malformed reply", None
            if attempt >= self.max_retries:
                raise BackendUnavailable(f"{self.base_url}: giving up after {attempt + 1} attempts "
                                         f"(last: {reason}); check the server or lower --concurrency")
            self.stats.retried(reason)
            await self.sleep(self._delay(attempt, hinted))
            attempt += 1

    def _refused_format(self, exc: openai.APIStatusError, level: int) -> bool:
        """Whether the server refused this request's response_format; if so, step down once.

        Only a refusal of the level the run is still at steps down: requests in flight at the
        same level are refused too and must then just be resent, not step down again.
        """
        if level == _TEXT or not _refuses_format(exc):
            return False
        if self.level == level:
            self.level += 1
            self.stats.notes.append(
                f"{self.base_url} refused response_format {_LEVELS[level]} (HTTP {exc.status_code}: "
                f"{server_message(exc)}); asking in {_LEVELS[self.level]} mode for the rest of the run")
        return True

    def _raise_if_final(self, exc: openai.APIStatusError) -> None:
        """Raise BackendError for answers that no retry can change (4xx other than 429)."""
        status = exc.status_code
        if status in (401, 403):
            raise BackendError(f"{self.base_url} refused the API key ({status}); "
                               "set OPENAI_API_KEY or pass --api-key") from None
        if status == 404:
            raise BackendError(f"{self.base_url} has no model '{self.model}' (404); "
                               "check --model against the server's /models") from None
        if 400 <= status < 500 and status != 429:
            raise BackendError(f"{self.base_url} rejected the request ({status}): {server_message(exc)}") from None

    async def _wait_for_server(self, outage: _Outage, exc: openai.APIConnectionError) -> None:
        """Wait for an unreachable server to come back, up to connect_window seconds in all."""
        now = time.monotonic()
        if self.down_since is None:
            self.down_since = now
        # Real time since the server went away, or this request's own waits when sleep is faked.
        waited = max(now - self.down_since, outage.slept)
        if waited >= self.connect_window:
            raise BackendUnavailable(
                f"cannot connect to {self.base_url} ({_cause(exc)}) for {waited:.0f} s; start the server "
                f"or check --base-url, or wait longer with --retry-window (now {self.connect_window:g} s)") from None
        self.stats.retried("connection")
        delay = min(self._delay(outage.attempts, None, cap=_CONNECT_POLL), self.connect_window - waited)
        outage.attempts += 1
        outage.slept += delay
        await self.sleep(delay)

    async def aclose(self) -> None:
        await self.client.close()


@dataclass
class _Outage:
    """One request's attempts to reach a server that refuses or drops connections."""

    attempts: int = 0
    slept: float = 0.0


def server_message(exc: openai.APIStatusError) -> str:
    """The server's whole error message on one line (the body's message, else its text)."""
    body = exc.body
    text: Any = None
    if isinstance(body, dict):
        text = body.get("message") or body.get("detail") or body.get("error")
    if text is None:
        try:
            text = exc.response.text
        except Exception:  # a streamed or closed body has no text
            text = None
    flat = " ".join(str(text or exc.message or type(exc).__name__).split())
    return flat if len(flat) <= _MESSAGE_LIMIT else flat[:_MESSAGE_LIMIT] + " …"


def _refuses_format(exc: openai.APIStatusError) -> bool:
    """A 400/422 (any), or a 5xx whose message names the response_format, refuses the format."""
    status = exc.status_code
    if status in (400, 422):
        return True
    if status < 500:
        return False
    message = server_message(exc).lower()
    return any(word in message for word in _FORMAT_WORDS)


def _cause(exc: openai.APIConnectionError) -> str:
    """Why a connection failed, in a few words (refused, reset, DNS), from the chained error."""
    cause = exc.__cause__ or exc.__context__
    return " ".join(str(cause or exc.message).split())[:200] or "connection error"


@register("openai-fleet")
class OpenAIFleet(Backend):
    """Several OpenAI-compatible servers serving the same model (a vLLM or llama.cpp fleet):
    each request goes to the server with the fewest requests in flight, each server keeps its own
    concurrency limit, retries and response_format level, and a server that stays unreachable
    past the retry window is dropped from the fleet while the others carry on."""

    name = "openai"

    def __init__(self, model: str, base_urls: list[str], **options: Any) -> None:
        super().__init__(model)
        if len(base_urls) < 2:
            raise BackendError("a fleet needs two or more --base-url values")
        self.servers = [OpenAIBackend(model, base_url=url, **options) for url in base_urls]
        self.in_flight = [0] * len(self.servers)
        self.dead: set[int] = set()
        self.served = [0] * len(self.servers)

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "base_url": [s.base_url for s in self.servers]}

    @property
    def stats(self) -> BackendStats:  # type: ignore[override]
        merged = BackendStats()
        for server in self.servers:
            merged.requests += server.stats.requests
            for reason, count in server.stats.retries.items():
                merged.retries[reason] = merged.retries.get(reason, 0) + count
            merged.notes += server.stats.notes
        merged.notes += [f"{self.servers[i].base_url}: unreachable, dropped from the fleet" for i in sorted(self.dead)]
        return merged

    @stats.setter
    def stats(self, value: BackendStats) -> None:
        pass  # each server keeps its own counters

    async def complete(self, request: Request) -> Completion:
        while True:
            alive = [i for i in range(len(self.servers)) if i not in self.dead]
            if not alive:
                raise BackendUnavailable("every server of the fleet is unreachable: "
                                         + ", ".join(s.base_url for s in self.servers))
            chosen = min(alive, key=lambda i: (self.in_flight[i], self.served[i]))
            self.in_flight[chosen] += 1
            try:
                completion = await self.servers[chosen].complete(request)
                self.served[chosen] += 1
                return completion
            except BackendUnavailable:
                if len(alive) == 1:
                    raise
                self.dead.add(chosen)  # the rest of the fleet takes its requests
            finally:
                self.in_flight[chosen] -= 1

    async def aclose(self) -> None:
        for server in self.servers:
            await server.aclose()
