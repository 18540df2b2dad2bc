"""PII and secrets: e-mail addresses, phone numbers, API keys and bearer tokens."""

from __future__ import annotations

import re

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")),
    ("openai_key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}")),
    ("aws_key", re.compile(r"\bAKIA[0-9A-Z]{16}\b")),
    ("github_token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b")),
    ("slack_token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}")),
    ("google_key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("hf_token", re.compile(r"\bhf_[A-Za-z0-9]{30,}\b")),
    ("bearer_token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/-]{24,}=*")),
    ("private_key", re.compile(r"-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----")),
    ("phone", re.compile(r"(?<![\w.-])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{3,4}[\s.-]\d{3,4}(?:[\s.-]\d{2,4})?(?![\w.-])")),
]

_EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")


def mask(value: str) -> str:
    """Show enough of a match to find it, not enough to leak it."""
    return value[:4] + "…" + value[-2:] if len(value) > 8 else value[:2] + "…"


def find_pii(text: str) -> tuple[str, str] | None:
    """(kind, masked match) of the first PII found in the text, or None."""
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            value = match.group(0)
            if kind == "email" and value.lower().endswith(_EXAMPLE_DOMAINS):
                continue  # documentation addresses are not anyone's
            if kind == "phone" and sum(c.isdigit() for c in value) < 9:
                continue
            return kind, mask(value)
    return None
