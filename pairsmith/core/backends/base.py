"""The backend interface: one request in, one completion out, async.

Backends batch or parallelise behind this interface as suits them: the OpenAI backend runs
requests concurrently under a semaphore; the local backend gathers concurrent requests into
micro-batches for one `generate` call.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

RESPONSE_FORMATS = ("json_schema", "json_object", "text")  # how a reply is asked for, most structure first


@dataclass
class Request:
    """One chat request."""

    messages: list[dict[str, str]]
    max_tokens: int = 512
    temperature: float = 0.0
    seed: int | None = None
    json_schema: dict[str, Any] | None = None  # constrain the reply to this schema when possible
    prompt: str | None = None  # a prompt already formatted for the model: sent as it is, no chat template

    @classmethod
    def formatted(cls, prompt: str, **options: Any) -> Request:
        """A request for a prompt already formatted (training's template): local models see its
        exact token ids; servers get it as the user message."""
        return cls([{"role": "user", "content": prompt}], prompt=prompt, **options)


@dataclass
class Completion:
    """The model's reply and what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"  # "stop" or "length"
    response_format: str | None = None  # mode the server was asked in: json_schema, json_object or text


_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)


def strip_think(text: str) -> str:
    """A reply without its reasoning blocks; an unclosed <think> hides everything after it."""
    text = _THINK.sub("", text)
    lower = text.lower()
    if "<think>" in lower:
        text = text[: lower.index("<think>")]
    return text.replace("</think>", "").strip()


def redact_url(url: str) -> str:
    """A base URL without user:password, query or trailing slash: safe to record and to key on."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6
        host = f"[{host}]"
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), "", ""))


@dataclass
class BackendStats:
    """Counters a run summary reports."""

    requests: int = 0
    retries: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def retried(self, reason: str) -> None:
        self.retries[reason] = self.retries.get(reason, 0) + 1


class Backend(ABC):
    """A source of completions."""

    name: str = "backend"

    def __init__(self, model: str) -> None:
        self.model = model
        self.stats = BackendStats()

    @abstractmethod
    async def complete(self, request: Request) -> Completion:
        """Answer one request (retries and batching are the backend's business)."""

    def describe(self) -> dict[str, Any]:
        """What pairs record as their generator: backend and model, never credentials."""
        return {"backend": self.name, "model": self.model}

    async def aclose(self) -> None:
        """Release connections, threads and models."""
