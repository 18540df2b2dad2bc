"""Properties of the fact checks over many seeded chunks (not one golden example): a question that
quotes only names its chunk holds passes, one that quotes a name the chunk lacks is caught; an
answer whose facts are all spans of its chunk passes, and one with a value or a name changed is
caught with the changed fact as evidence."""

from __future__ import annotations

import random

from moderation.steps.question_form import QuestionForm
from moderation.steps.supported import unsupported_facts

_PARTS = ("max", "age", "time", "out", "retry", "pool", "size", "path", "key", "log", "level", "host", "port", "salt")


def _chunk(rng: random.Random) -> tuple[str, list[tuple[str, str]]]:
    names = list(dict.fromkeys("_".join(rng.sample(_PARTS, rng.randint(2, 3))) for _ in range(rng.randint(3, 8))))
    facts = [(name, str(rng.randint(2, 99999))) for name in names]
    lines = ["Widget reads its settings when the server starts."]
    lines += [f"The `{name}` setting defaults to {value}." for name, value in facts]
    return " ".join(lines), facts


def _absent_name(rng: random.Random, chunk: str) -> str:
    while True:
        name = "_".join(rng.sample(_PARTS, 3)) + f"_{rng.randint(2, 9)}"
        if name not in chunk:
            return name


def test_a_question_quoting_a_name_its_chunk_lacks_is_caught() -> None:
    step = QuestionForm()
    for seed in range(60):
        rng = random.Random(seed)
        chunk, facts = _chunk(rng)
        name, _ = rng.choice(facts)
        assert step.unknown_names(f"What does Widget's `{name}` setting default to?", chunk, strict=True) is None, seed
        invented = _absent_name(rng, chunk)
        missing = step.unknown_names(f"What does Widget's `{invented}` setting default to?", chunk, strict=True)
        assert missing == [invented], (seed, missing)


def test_an_answer_whose_facts_are_spans_passes_and_a_changed_fact_is_caught() -> None:
    for seed in range(60):
        rng = random.Random(seed)
        chunk, facts = _chunk(rng)
        name, value = rng.choice(facts)
        genuine = f"In Widget, `{name}` defaults to {value}."
        assert unsupported_facts(genuine, chunk) == [], (seed, genuine)
        other = next(v for v in (str(rng.randint(2, 99999)) for _ in range(1000)) if v not in chunk)
        assert unsupported_facts(f"In Widget, `{name}` defaults to {other}.", chunk) == [other], seed
        invented = _absent_name(rng, chunk)
        assert unsupported_facts(f"In Widget, `{invented}` defaults to {value}.", chunk) == [f"{invented}"], seed
