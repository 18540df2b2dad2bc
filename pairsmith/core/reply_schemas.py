"""JSON schemas of model replies that more than one stage asks for: generation asks for a question
about a passage, moderation's judge for the question an answer answers; both get the same shape."""

from __future__ import annotations

from typing import Any

# How far into a question generation's reply grammar lets it run before it must name its project
# (characters); moderation reads a name first said past this point as placed by force (late_name).
NAME_WITHIN = 120

# A question: opens with a question word, one line, ends with "?" and stays short, so a small
# model can neither copy a sentence of the passage nor ramble or loop inside it.
QUESTION_WORDS = ("What", "How", "Why", "When", "Where", "Which", "Who", "Can", "Does", "Do", "Is",
                  "Are", "Should", "Will")
QUESTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"question": {"type": "string", "pattern": "^(" + "|".join(QUESTION_WORDS) + ") [^\\n?]{8,110}\\?$"}},
    "required": ["question"],
    "additionalProperties": False,
}
