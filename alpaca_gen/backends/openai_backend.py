"""Any OpenAI-compatible server through the official `openai` client (async).

Bounded concurrency, retries with exponential backoff that honour 429 / Retry-After,
timeouts, and structured output that degrades: JSON schema, then JSON mode, then plain text
for the tolerant parser, remembered once a server has refused a level.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import openai

from alpaca_gen.backends.base import Backend, Completion, Request
from pairsmith.errors import BackendError, BackendUnavailable

_LEVELS = ("json_schema", "json_object", "none")


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


def redact_url(url: str) -> str:
    """A base URL without user:password, safe to record."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


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
        self.level = 0  # index into _LEVELS: how much structure this server accepts
        self.sleep = sleep  # injectable, so tests can see the delays without waiting them out

    def describe(self) -> dict[str, Any]:
        return {"backend": self.name, "model": self.model, "base_url": self.base_url}

    def _format(self, request: Request) -> dict[str, Any]:
        if request.json_schema is None or _LEVELS[self.level] == "none":
            return {}
        if _LEVELS[self.level] == "json_object":
            return {"response_format": {"type": "json_object"}}
        return {"response_format": {"type": "json_schema", "json_schema": {
            "name": "pairs", "schema": request.json_schema, "strict": False}}}

    def _delay(self, attempt: int, hinted: float | None) -> float:
        if hinted is not None:
            return min(hinted, self.max_backoff)
        return min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + random.random() / 2)

    async def complete(self, request: Request) -> Completion:
        async with self.semaphore:
            return await self._complete(request)

    async def _complete(self, request: Request) -> Completion:
        attempt = 0
        while True:
            extra = self._format(request)
            try:
                self.stats.requests += 1
                response = await self.client.chat.completions.create(
                    model=self.model, messages=request.messages, max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    **({"seed": request.seed} if request.seed is not None else {}), **extra)
                if not response.choices:
                    raise ValueError("reply has no choices")
                choice = response.choices[0]
                usage = response.usage
                return Completion(
                    text=choice.message.content or "",
                    prompt_tokens=getattr(usage, "prompt_tokens", 0) or 0,
                    completion_tokens=getattr(usage, "completion_tokens", 0) or 0,
                    finish_reason=choice.finish_reason or "stop",
                )
            except openai.BadRequestError as exc:
                if extra and self.level < len(_LEVELS) - 1:
                    self.level += 1  # the server refused this response_format: ask with less
                    self.stats.notes.append(f"server refused {list(extra)[0]} mode; using {_LEVELS[self.level]}")
                    continue
                raise BackendError(f"{self.base_url} rejected the request (400): {_short(exc)}") from None
            except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
                raise BackendError(
                    f"{self.base_url} refused the API key ({exc.status_code}); "
                    "set OPENAI_API_KEY or pass --api-key") from None
            except openai.NotFoundError:
                raise BackendError(f"{self.base_url} has no model '{self.model}' (404); "
                                   "check --model against the server's /models") from None
            except openai.RateLimitError as exc:
                reason, hinted = "429", retry_after_seconds(exc.response.headers)
            except openai.APITimeoutError:
                reason, hinted = "timeout", None
            except openai.APIStatusError as exc:
                if exc.status_code < 500:
                    raise BackendError(f"{self.base_url} answered {exc.status_code}: {_short(exc)}") from None
                reason, hinted = str(exc.status_code), retry_after_seconds(exc.response.headers)
            except openai.APIConnectionError:
                reason, hinted = "connection", None
            except (openai.APIResponseValidationError, ValueError):
                reason, hinted = "malformed reply", None
            if attempt >= self.max_retries:
                raise BackendUnavailable(f"{self.base_url}: giving up after {attempt + 1} attempts "
                                   f"(last: {reason}); check the server or lower --concurrency")
            self.stats.retried(reason)
            await self.sleep(self._delay(attempt, hinted))
            attempt += 1

    async def aclose(self) -> None:
        await self.client.close()


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
