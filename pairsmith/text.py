"""Text patterns every stage shares."""

from __future__ import annotations

import re

# A sentence ends at . ! or ? followed by space and a capital, digit, quote, backtick or bracket.
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")
