"""The tolerant reply parser on the shapes models really produce."""

from __future__ import annotations

import json

import pytest

from alpaca_gen.parse import parse_field, parse_pairs, strip_think

PAIRS = [{"instruction": "How do I install it?", "input": "", "output": "Run pip install pairsmith."},
         {"instruction": "Convert this", "input": "a.csv", "output": "pairsmith convert a.csv b.jsonl"}]


@pytest.mark.parametrize("reply", [
    json.dumps(PAIRS),
    json.dumps({"pairs": PAIRS}),
    json.dumps({"data": PAIRS}),
    "```json\n" + json.dumps(PAIRS) + "\n```",
    "Sure! Here are the pairs:\n\n```json\n" + json.dumps({"pairs": PAIRS}) + "\n```\nHope this helps.",
    "<think>The user wants pairs. Maybe {\"instruction\": \"no\"}</think>\n" + json.dumps(PAIRS),
    "Here you go: " + json.dumps(PAIRS) + " -- done",
])
def test_shapes_that_parse(reply: str) -> None:
    assert parse_pairs(reply) == PAIRS


def test_question_answer_keys() -> None:
    reply = json.dumps([{"question": "Q1?", "answer": "A1."}, {"Question": "Q2?", "Answer": "A2."}])
    assert parse_pairs(reply) == [{"instruction": "Q1?", "input": "", "output": "A1."},
                                  {"instruction": "Q2?", "input": "", "output": "A2."}]


def test_truncated_reply_keeps_complete_pairs() -> None:
    full = json.dumps({"pairs": PAIRS + [{"instruction": "Third?", "input": "", "output": "Cut off here"}]})
    cut = full[: full.index("Cut off") + 4]
    assert parse_pairs(cut) == PAIRS


def test_unclosed_think_hides_everything_after_it() -> None:
    assert strip_think("answer <think>still thinking " + json.dumps(PAIRS)) == "answer"
    assert parse_pairs("<think>" + json.dumps(PAIRS)) == []


def test_alpaca_numbered_format() -> None:
    reply = ("1. Instruction: Explain the cache.\n1. Input:\n<noinput>\n1. Output:\nIt stores finished work.\n###\n"
             "2. Instruction: Fix this command.\n2. Input:\npairsmith gen\n2. Output:\npairsmith generate")
    assert parse_pairs(reply) == [
        {"instruction": "Explain the cache.", "input": "", "output": "It stores finished work."},
        {"instruction": "Fix this command.", "input": "pairsmith gen", "output": "pairsmith generate"}]


@pytest.mark.parametrize("reply", ["", "I cannot help with that.", "def f():\n    return 1", "{\"pairs\": []}",
                                   '[{"instruction": "", "output": "x"}]', "{broken json"])
def test_replies_without_pairs(reply: str) -> None:
    assert parse_pairs(reply) == []


def test_parse_field() -> None:
    assert parse_field('{"question": "What is \\"x\\"?"}', "question") == 'What is "x"?'
    assert parse_field('{"answer": "cut off mid', "answer") == "cut off mid"
    assert parse_field("Question: Why?", "question") == "Why?"
    assert parse_field("<think>hm</think>{\"question\": \"Q?\"}", "question") == "Q?"
