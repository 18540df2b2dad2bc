"""One judge for every stage: an OpenAI-compatible model asked many prompts at once, each for
a JSON object, with the backend's retries and format step-down. Moderation's grounding and
evaluation's pairwise comparison are two uses of it, with their prompts in `prompts/`."""

from __future__ import annotations

import json
from typing import Any

from pairsmith.core.asyncio_compat import run_sync
from pairsmith.core.backends.base import Request, strip_think
from pairsmith.core.templates import load_template


def reply_object(text: str) -> dict[str, Any] | None:
    """The JSON object in a judge's reply (after any <think> block and prose), or None."""
    start, end = text.find("{"), text.rfind("}")
    if start >= 0 and end > start:
        try:
            found = json.loads(text[start : end + 1])
        except json.JSONDecodeError:
            return None
        return found if isinstance(found, dict) else None
    return None


def ask(base_url: str, model: str, api_key: str | None, template: str, values: list[dict[str, Any]],
        schema: dict[str, Any], max_tokens: int = 200, concurrency: int = 8) -> list[str]:
    """The judge's cleaned reply (think blocks removed) to `template` filled with each of `values`."""
    from pairsmith.core.backends.registry import create

    prompt = load_template(template)

    async def run() -> list[str]:
        import asyncio

        backend = create("openai", model=model, base_url=base_url, api_key=api_key, concurrency=concurrency)
        try:
            async def one(filled: dict[str, Any]) -> str:
                reply = await backend.complete(Request([{"role": "user", "content": prompt.render(**filled)}],
                                                       max_tokens=max_tokens, temperature=0.0, json_schema=schema))
                return strip_think(reply.text)

            return list(await asyncio.gather(*(one(v) for v in values)))
        finally:
            await backend.aclose()

    return run_sync(run())
