"""The passage spans generation and grounding share."""

from __future__ import annotations

from alpaca_gen.strategies.base import answer_candidates
from moderation.grounding import spans
from pairsmith.core.textmetrics import passage_spans

PASSAGE = """## Install

Run the installer first. It needs Python 3.10 or newer.
Then restart.

```bash
pip install pairsmith
pip install torch
```

| flag | meaning |
|---|---|
| --out | where results go |
"""


def test_sentences_adjacent_pairs_and_whole_blocks() -> None:
    found = passage_spans(PASSAGE)
    assert "## Install" in found  # a heading is its own paragraph, not glued to the next sentence
    assert "Run the installer first." in found and "It needs Python 3.10 or newer. Then restart." in found
    assert "Run the installer first. It needs Python 3.10 or newer." in found
    assert "```bash\npip install pairsmith\npip install torch\n```" in found  # code whole, lines kept
    assert any(s.startswith("| flag | meaning |") and s.endswith("| --out | where results go |") for s in found)
    assert not any("```" in s and "Run" in s for s in found)  # blocks are never paired with prose
    assert len(found) == len(set(found))


def test_generation_and_grounding_use_the_same_spans() -> None:
    short = passage_spans(PASSAGE, min_words=4, max_chars=40)
    assert "Then restart." not in short and "## Install" not in short  # under four words
    assert "Run the installer first. It needs Python 3.10 or newer." not in short  # a pair over 40 characters
    assert not any(s.startswith("```") for s in short)  # the code block is over 40 characters
    assert answer_candidates(PASSAGE, max_chars=40) == short
    # grounding matches the same spans, and each table row on its own (an answer read off one row)
    assert spans(PASSAGE) == passage_spans(PASSAGE) + ["flag | meaning", "--out | where results go"]
    assert spans("- -") == ["- -"] and answer_candidates("no") == ["no"]  # nothing to split: the text itself


def test_words_are_data_one_file_per_language() -> None:
    """Every language file loads with the same keys; English holds every list; the language guess
    reads each file's stop words, so adding a language is adding a file."""
    from moderation.steps.question_form import guess_language
    from pairsmith.core.words import load_words, stop_words_by_language

    english = load_words("en")
    assert all(english[key] for key in ("stop", "negation", "opposites", "connectives", "generic_question_words",
                                        "leaning_openers", "source_reference"))
    assert set(stop_words_by_language()) >= {"en", "es", "fr", "de"}
    assert guess_language("Para instalar el paquete, ejecute el comando con los permisos de la cuenta", 5)[0] == "es"
    assert guess_language("Install the package with pip and run the command from the project folder", 5)[0] == "en"
