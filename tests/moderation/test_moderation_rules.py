"""Moderation rules on real examples, the course's lamini_docs.jsonl included."""

from __future__ import annotations

from collections import Counter

import pytest

from moderation.config import RuleConfig
from moderation.rules import apply_rules
from pairsmith.core.formats import load_pairs
from pairsmith.core.records import Pair
from tests.conftest import LAMINI

CFG = RuleConfig()


def verdict(instruction: str, output: str):
    return apply_rules(Pair(instruction=instruction, output=output), CFG)


def test_lamini_canned_replies_and_empty_questions() -> None:
    pairs = load_pairs(LAMINI)
    verdicts = {p.id: apply_rules(p, CFG) for p in pairs}
    canned = [p for p in pairs if "keep the discussion relevant to Lamini" in p.output]
    assert canned
    assert all(verdicts[p.id] and verdicts[p.id].rule == "boilerplate" for p in canned)
    empty = [p for p in pairs if len(p.instruction.split()) == 0]
    assert empty and all(verdicts[p.id].rule == "empty_instruction" for p in empty)
    counts = Counter(v.rule for v in verdicts.values() if v)
    assert counts["boilerplate"] == len(canned)  # the canned replies, and nothing else, read as boilerplate
    # Most of the course's data is fine: the rules leave well over 90% alone.
    assert sum(counts.values()) < 0.15 * len(pairs)


@pytest.mark.parametrize("output", [
    "Open the file in the editor, then plot the loss curve.",
    "Use a map of ids to rows; the graph shows the pipeline.",
    "Write the image to disk with save(); the diagram is in the docs.",
])
def test_technical_words_are_not_refusals(output: str) -> None:
    assert verdict("How do I save the results of a run?", output) is None


def test_refusals_and_boilerplate_carry_the_matched_phrase() -> None:
    found = verdict("What is the capital of France?", "As an AI language model, I cannot browse the web.")
    assert found.rule == "refusal" and found.evidence["match"].lower() == "as an ai language model"
    found = verdict("Why do we dream?", "Let’s keep the discussion relevant to Lamini.")
    assert found.rule == "boilerplate"


def test_phrases_match_whole_words_only() -> None:
    cfg = RuleConfig(refusal_phrases=["map"])
    assert apply_rules(Pair(instruction="What does it do?", output="It draws a bitmap quickly."), cfg) is None
    assert apply_rules(Pair(instruction="What does it do?", output="It draws a map quickly."), cfg).rule == "refusal"


def test_looping_answer_is_repetition() -> None:
    loop = "Lamini can help you train a model. " * 12
    found = verdict("What can Lamini do for me?", loop)
    assert found.rule in ("repeated_ngrams", "repeated_lines") and found.evidence["score"] > 0.5
    lines = "\n".join(["- install the package", "- run the command"] * 4)
    assert verdict("List the steps.", lines).rule == "repeated_lines"


def test_truncated_outputs() -> None:
    assert verdict("Show the code.", "Here it is:\n```python\nprint('hi')\n").rule == "truncated"
    assert verdict("Explain the cache.", "The cache keeps every finished unit, and").rule == "truncated"
    weak = verdict("Explain the cache.", "The cache keeps every finished unit so that a second run does no work at all")
    assert weak.rule == "no_final_punctuation" and weak.decision == "review"
    assert verdict("List them.", "The options are:\n- alpha\n- beta") is None
    inline = "Replies are parsed inside a ```` ```json ```` fence or not, with prose around it or not."
    assert verdict("How are replies parsed?", inline) is None  # a fence quoted inline opens no code block


def test_length_limits() -> None:
    assert verdict("", "An answer.").rule == "empty_instruction"
    assert verdict("What is it?", "").rule == "empty_output"
    assert verdict("What is it?", "word " * 1300).rule == "output_too_long"


def test_language_rule() -> None:
    german = ("Wie installiere ich das Paket auf meinem Rechner?",
              "Installieren Sie das Paket mit pip und prüfen Sie danach die Version, damit alles funktioniert.")
    assert verdict(*german).rule == "language"
    english = ("How do I install the package on my machine?",
               "Install the package with pip and then check the version so that everything works.")
    assert verdict(*english) is None
    assert apply_rules(Pair(instruction=german[0], output=german[1]), RuleConfig(languages=[])) is None


@pytest.mark.parametrize("text,kind", [
    ("Write to jane.doe@acme-corp.com for access.", "pii_email"),
    ("Call me at +1 415 555 0199 tomorrow.", "pii_phone"),
    ("Set OPENAI_API_KEY=sk-abcdefghijklmnopqrstuvwx1234 first.", "pii_openai_key"),
    ("The token is ghp_abcdefghijklmnopqrstuvwxyz0123456789AB.", "pii_github_token"),
    ("Use AKIAIOSFODNN7EXAMPLE as the key id.", "pii_aws_key"),
    ("Send Authorization: Bearer eyJhbGciOiJIUzI1NiJ9abcdefghijkl.", "pii_bearer_token"),
])
def test_pii(text: str, kind: str) -> None:
    found = verdict("How do I configure access?", text)
    assert found.rule == kind
    assert "…" in found.evidence["match"]  # evidence is masked, never the secret itself


def test_documentation_emails_and_versions_are_not_pii() -> None:
    assert verdict("Who maintains it?", "Write to maintainers@example.com with questions.") is None
    assert verdict("Which version?", "Version 2.13.0 was released on 2026-11-01.") is None


def test_length_reasons_say_what_is_wrong() -> None:
    blob = "x" * 1_000_000  # one enormous token: too long, not empty
    found = verdict(blob, "An answer.")
    assert found.rule == "instruction_too_long" and found.evidence == {"words": 1, "chars": 1_000_000}
    assert verdict("How do I use it?", "y" * 20_000).rule == "output_too_long"
    found = verdict("12345", "An answer.")
    assert found.rule == "instruction_too_short" and found.evidence == {"words": 1, "chars": 5}
    assert verdict("   \n", "An answer.").rule == "empty_instruction"
    assert apply_rules(Pair(instruction="What is it?", output="Yes."), RuleConfig(min_output_words=2)).rule \
        == "output_too_short"
