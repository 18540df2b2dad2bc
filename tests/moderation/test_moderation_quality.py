"""The answer-form, question-form and relevance steps: every reason with its evidence in the
rejects file, few false positives on human-written pairs, swapped answers caught."""

from __future__ import annotations

import json
import random
import sys
from collections import Counter
from pathlib import Path

import pytest

from moderation.config import ModerationConfig, load_config
from moderation.pipeline import moderate
from moderation.steps import STEPS, Context, Item
from moderation.steps.answer_form import AnswerForm, _dangling, defers_elsewhere, leans_on_unseen, source_silent
from moderation.steps.question_form import QuestionForm
from moderation.steps.relevance import Relevance
from pairsmith.core.formats import load_pairs
from tests.conftest import LAMINI, ROOT

CHUNK = (
    "## Moderate\n\n"
    "Moderation removes duplicate and low-quality pairs before training. Semantic duplicates are found "
    "with sentence embeddings, and the pair with the better grounded answer is kept. Run the following "
    "to test the output on your terminal:\n\n"
    "```bash\npairsmith moderate pairs.jsonl --out curated.jsonl\n```\n\n"
    "The `near.threshold` setting is the Jaccard similarity above which two prompts are duplicates.\n"
)
CODE_CHUNK = (
    "## Generate\n\nThe `ask` helper sends one question to the model and returns its reply.\n\n"
    "```python\nreply = ask(model, \"What is the capital of France?\")\nprint(reply)\n```\n"
)
SPANISH = "¿Cuál es la mejor manera de instalar el paquete en una máquina sin red y sin GPU?"
BOX = "╭─ Arguments ───────────────────╮\n│ * name <str> [required] │\n╰───────────────────────────────╯"

GOOD = ("How does `pairsmith moderate` find semantic duplicates?",
        "Semantic duplicates are found with sentence embeddings, and the pair with the better grounded answer is kept.")
ANSWER_CASES = {
    "markup_only": ("How is the page laid out?", "</div>"),
    "url_list": ("Where are the docs?", "https://example.org/docs https://example.org/api"),
    "drawing_fragment": ("What arguments does the command take?", BOX),
    "table_fragment": ("Which settings are there?", "|---|---|"),
    "dangling_intro": ("How do I test the output?", "Run the following to test the output on your terminal:"),
    "link_list": ("What is moderation?", "For details, see:\n- [The guide](https://example.org/guide)\n- [The API][api]"),
    "code_only_answer": ("What is the purpose of the `ask` helper?",
                         ">>> reply = ask(model, 'hi')\n>>> print(reply)\nhello"),
    "no_command_in_answer": ("Which command removes duplicates?",
                             "Moderation removes duplicate and low-quality pairs before training."),
    "says_source_is_silent": ("Does a second run ask the model again?",
                              "No. The text does not provide any information about running the same unit twice."),
    "defers_elsewhere": ("How do I review several runs at once?",
                         "To review several runs, you can refer to the advanced section of the documentation."),
    "no_value_in_answer": ("Which version of pairsmith added semantic dedupe?",
                           "Semantic dedupe was added in a recent version of pairsmith."),
    "leans_on_unseen": ("What is the main problem with the near-duplicate step of pairsmith?",
                        "This means two prompts above the threshold are duplicates, and one is dropped."),
}
# An answer of code is fine for a how question; a command's output is not the command.
CODE_ANSWERS = {("How do I moderate pairs with the `pairsmith` CLI?", "```bash\npairsmith moderate pairs.jsonl --out curated.jsonl\n```"): "keep",
                ("What is the output of `pairsmith moderate pairs.jsonl`?",
                 "```bash\npairsmith moderate pairs.jsonl --out curated.jsonl\n```"): "code_only_answer",
                ("Which command of the `pairsmith` CLI moderates pairs?", "Run `pairsmith moderate pairs.jsonl`."): "keep"}
QUESTION_CASES = {
    "repeated_question": "How to use Moderation in a conversation, how to use Moderation in a conversation, how-?",
    "template_echo": "Your answer",
    "cut_off": "What does moderation remove from the pairs before training and the?",
    "generic_question": "What is the output of the following command?",
    "wrong_language": SPANISH,
    "unknown_names": "How does `KafkaConsumer` commit offsets in RabbitMQ?",
    "code_example_question": "What is the capital of France?",
}
# Each code name or version a question quotes must be in its chunk, not just one of its names.
STRICT_NAMES = {"Does `near.threshold` work with `faiss_index` too?": "faiss_index",
                "Is moderation different in version 2.7?": "2.7",
                "What does `near.threshold` control?": None}


def write(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def row(instruction: str, output: str, chunk: str = CHUNK) -> dict:
    return {"instruction": instruction, "input": "", "output": output, "source": {"path": "docs/moderate.md",
                                                                                    "text": chunk}}


def config(embedder: Path, **sections) -> ModerationConfig:
    cfg = ModerationConfig(embedder=str(embedder))
    for dotted, value in sections.items():
        section, key = dotted.split("__")
        setattr(getattr(cfg, section), key, value)
    return cfg


def first_evidence(record: dict) -> dict:
    return record["moderation"]["evidence"][0]


def test_steps_run_in_order_and_each_can_be_disabled(tmp_path: Path) -> None:
    assert [s.name for s in STEPS] == ["rules", "answer_form", "question_form", "clean_text", "supported",
                                       "exact_duplicate", "pair_checks",
                                       "grounding", "relevance", "judged", "near_duplicate", "semantic_duplicate",
                                       "ifd"]
    path = tmp_path / "moderation.yaml"
    path.write_text("answer_form: {enabled: false}\nquestion_form: {enabled: false}\nrelevance: {enabled: false}\n",
                    encoding="utf-8")
    cfg = load_config(path)
    assert not any(step.enabled(cfg) for step in STEPS if step.name in {"answer_form", "question_form", "relevance"})


def test_every_answer_form_reason_lands_in_the_rejects(tiny_embedder: Path, tmp_path: Path) -> None:
    rows = [row(*GOOD)] + [row(q, a) for q, a in ANSWER_CASES.values()]
    data = write(tmp_path / "pairs.jsonl", rows)
    cfg = config(tiny_embedder, relevance__enabled=False, grounding__enabled=False, question_form__enabled=False)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    rejects = {r["output"]: first_evidence(r) for r in read(tmp_path / "curated.rejects.jsonl")}
    for rule, (_, answer) in ANSWER_CASES.items():
        evidence = rejects[answer]
        assert (evidence["step"], evidence["rule"]) == ("answer_form", rule)
        assert evidence["excerpt"] and "score" in evidence
    kept = read(tmp_path / "curated.jsonl")
    assert [r["output"] for r in kept] == [GOOD[1]]
    assert kept[0]["moderation"]["checks"]["answer_form"]["letter_words"] >= 3


def test_code_answers_and_command_questions(tiny_embedder: Path, tmp_path: Path) -> None:
    data = write(tmp_path / "pairs.jsonl", [row(q, a) for q, a in CODE_ANSWERS])
    cfg = config(tiny_embedder, relevance__enabled=False, grounding__enabled=False, question_form__enabled=False,
                 semantic__enabled=False, near__enabled=False)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    rejects = {r["instruction"]: first_evidence(r)["rule"] for r in read(tmp_path / "curated.rejects.jsonl")}
    kept = {r["instruction"] for r in read(tmp_path / "curated.jsonl")}
    for (question, _), expected in CODE_ANSWERS.items():
        assert (question in kept) if expected == "keep" else rejects.get(question) == expected, (question, rejects)


def test_an_answer_that_only_sends_the_reader_elsewhere_is_caught() -> None:
    for deferring in ("If you want any of these forms, go straight to their GitHub page and follow the instructions.",
                      "See the reviewing section of the guide. Read the docs on review pages for more."):
        assert defers_elsewhere(deferring) is not None, deferring
    # an answer that says what was asked, then points further, answers it
    assert defers_elsewhere("Pass `--reviews reviews.jsonl`. See the review section of the guide for more.") is None
    assert defers_elsewhere("The review page lists every dropped pair with its reason.") is None


def test_an_answer_that_opens_on_a_statement_the_pair_never_makes_is_caught() -> None:
    """"This means ...", "While this leads to ...", "To achieve this, ..." lean on a sentence the
    reader never saw; "To do this" after a how-question stands for what it asks, and "Instead of X"
    names what it sets aside."""
    leaning = {("What does pairsmith do to check for duplicates?", "To achieve this, pairsmith first hashes each prompt."):
               "To achieve this",
               ("What is surprising about the rules step?", "While this leads to surprising drops, it can be turned off."):
               "While this",
               ("What makes moderation easy?", "This makes it easy to review every drop."): "This makes",
               ("What manages the plugins of pairsmith?", "As mentioned in Plugins, a registry manages them."):
               "As mentioned"}
    for (question, answer), words in leaning.items():
        assert leans_on_unseen(answer, question) == words
    kept = [("How do I moderate pairs?", "To do this, run `pairsmith moderate pairs.jsonl`."),
            ("How should I configure logging?", "Instead of the standard handler, use the JSON one."),
            ("What is the purpose of the review page?", "It lets a person keep or drop each pair."),
            ("Which profiles are built in?", "The following profiles are built in:\n- black\n- google"),
            # "This" standing for what a why- or what-does question is about; "however" that is no connective
            ("Why is the first call slow in pairsmith?", "This is because the model loads lazily."),
            ("What does `--check` make pairsmith do?", "This makes pairsmith exit with code 1 when pairs change."),
            ("What should I do to register a step in pairsmith?", "To do so, add a file to the steps folder."),
            ("How do I install pairsmith?", "However you install pairsmith, pin its version.")]
    assert [leans_on_unseen(a, q) for q, a in kept] == [None] * len(kept)


def test_an_answer_that_names_what_it_introduces_and_stops_dangles() -> None:
    assert _dangling("The following profiles are built into pairsmith to match common styles.") == (
        "The following profiles are")
    assert _dangling("The following profiles are built in:\n- black\n- google") is None
    assert _dangling("The cursor stays on the following line.") is None
    assert _dangling("The following characters are escaped by default, `<`, `>` and `&`.") is None  # listed inline
    assert _dangling("Run `make`. The following files are then written to `dist/`, one per wheel.") is None


def test_what_a_question_asks_for_must_be_in_the_answer() -> None:
    from moderation.steps.answer_form import asked_value_missing

    for question, answer, missing in (
            ("How many `Prompt` classes does Rich have?", "Rich has a number of `Prompt` classes.", "count"),
            ("When was `--foo` deprecated in pairsmith?", "It was deprecated a while ago.", "version"),
            ("Which version of pairsmith supports Python 3.13?", "pairsmith fully supports Python 3.13.", "version"),
            ("What is the syntax of a moderation rule in pairsmith?", "pairsmith uses a more intuitive dotted syntax.",
             "syntax"),
            ("What is the syntax of a pairsmith filter?", "A filter uses the usual syntax. The field is optional.",
             "syntax"),
            ("How can a user install pairsmith using pipx?",
             "The recommended way to install pairsmith is uv, but you can also install it via pip or pipx.",
             "install command"),
            ("What is the syntax of a connection URL in pairsmith?",
             "A connection URL uses the following syntax. The user, password and host are optional.", "syntax"),
            ("What options does pairsmith offer for deduplication?", "pairsmith has a few options for deduplicating pairs.",
             "names"),
            ("What functions does pairsmith provide for testing readers?",
             "pairsmith provides functions to help you test your readers.", "names"),
            ("What are some default settings of the `near` step in pairsmith?",
             "Some default settings are chosen to suit most datasets.", "names")):
        assert asked_value_missing(answer, question) == missing, question
    for question, answer in (("Which version of pairsmith added semantic dedupe?", "Version 2.17.0 added it."),
                             ("When was workspace support added to pairsmith?", "In pairsmith 2.28."),
                             ("Which Python versions does pairsmith support?", "Python 3.10 to 3.13."),
                             ("Which version of pairsmith supports Python 3.13?", "pairsmith 2.1 and later."),
                             ("How many workers does pairsmith start?", "Two, one per core."),
                             ("How many retries does pairsmith make by default?", "None: a failed request is kept."),
                             ("When was the cache written?", "When the unit finished."),  # no version asked
                             ("What is the format of a pairsmith record?", "One JSON object per line: `{\"instruction\": ...}`."),
                             ("What is the syntax of a rule in pairsmith?", "step:rule, as in clean_text:markup_residue=off."),
                             ("How can a user install pairsmith using pip?", "To install it, simply: $ pip install pairsmith"),
                             ("How do I install pairsmith?", "Run pip install pairsmith, or uv add pairsmith."),
                             ("What options does pairsmith offer for deduplication?",
                              "pairsmith has three options: exact, near and semantic."),
                             ("What are the four kinds of timeouts in pairsmith?",
                              "There are four kinds of timeouts: connect, read, write and pool timeouts."),
                             ("What functions does pairsmith provide for testing readers?",
                              "pairsmith provides `read_markdown` and `read_rst` to test readers."),
                             ("What is the purpose of the format option of pairsmith?", "It chooses the output file type."),
                             # a format answered in words; a syntax named, or shown with digits or symbols
                             ("What is the format of the `headers` parameter of pairsmith.fetch?",
                              "A dictionary whose keys are the header names and whose values are their values."),
                             ("What is the format of a pairsmith record?",
                              "A record uses the following format. The input is optional."),
                             ("What is the format of the SBOM pairsmith exports?", "It follows the CycloneDX specification."),
                             ("What format does the pairsmith cache use?", "SQLite database files, one per project."),
                             ("What format are pairsmith's timestamps in?", "They are in UTC and written in ISO 8601."),
                             ("What is the format of the pairsmith lock file?", "The lock file is TOML-based."),
                             ("What is the format of a pairsmith record?", "One JSON object per line."),
                             ("What is the date syntax of pairsmith's --since option?", "Dates are given as YYYY-MM-DD."),
                             ("What is the syntax of a duration in pairsmith?", "A number and a unit, such as 30s or 5m."),
                             ("What is the syntax of a pairsmith timestamp?", "They are written in ISO 8601."),
                             ("What is the syntax for a comment in pairsmith.yaml?", "Comments start with # and end the line."),
                             # members named without code, counted, or listed
                             ("What functions does pairsmith provide for reading docs?",
                              "pairsmith provides two functions for this, pairsmith.read and read_all."),
                             ("What types does pairsmith support?",
                              "pairsmith supports many types, including int, float, str and datetime."),
                             ("What errors does the pairsmith client raise on timeouts?",
                              "It raises several errors, namely ConnectTimeout, ReadTimeout and WriteTimeout."),
                             ("What environment variables does pairsmith read?",
                              "pairsmith reads several environment variables like PAIRSMITH_CACHE and HF_HOME."),
                             ("What options are available for the pairsmith cache?",
                              "There are several options for the cache, namely cache_dir, ttl and max_size."),
                             ("What arguments does the pairsmith decorator take?", "The decorator has no arguments."),
                             ("What options does pairsmith have for conversion?", "pairsmith has two options for it, strict and lax."),
                             ("What happens to values that fail validation in pairsmith?",
                              "They raise an error, and some values are coerced first."),
                             # an install named by its own command, or not asked with an installer
                             ("How can a user install pairsmith using pip?", "Run pip3 install pairsmith."),
                             ("How do I install the pre-commit hooks of pairsmith?", "Run pre-commit install in the repository."),
                             ("How do I install pairsmith on Windows?", "Download the installer from the releases page and run it."),
                             ("How does pairsmith decide where to install models?", "It uses the user's cache folder.")):
        assert asked_value_missing(answer, question) is None, question


def test_an_answer_that_says_its_source_is_silent_is_caught() -> None:
    for silent in ("The section doesn't mention a default timeout.",
                   "There is no information about retries in the documentation.",
                   "The retry count is not specified in the text.",
                   "The default timeout is not explicitly stated in the documentation, but 30 seconds is usual."):
        assert source_silent(silent) is not None, silent
    for answering in ("Moderation prints no information about skipped files unless `--verbose` is set.",
                      "The documentation recommends pinning the version."):
        assert source_silent(answering) is None, answering


def test_code_names_must_each_be_in_the_chunk() -> None:
    step, ctx = QuestionForm(), Context(ModerationConfig())
    step.source = None
    for question, missing in STRICT_NAMES.items():
        found = step.unknown_names(question, CHUNK, strict=True)
        assert (found is None) if missing is None else missing in found, question
    # a question read off the docs' structure names the project: only the lenient rule applies (one name found)
    assert step.unknown_names("Is `near.threshold` different in version 2.7?", CHUNK, strict=False) is None
    assert step.unknown_names("Is `near.threshold` different in version 2.7?", CHUNK, strict=True) == ["2.7"]


def test_every_question_form_reason_lands_in_the_rejects(tiny_embedder: Path, tmp_path: Path) -> None:
    answer = "Moderation removes duplicate and low-quality pairs before training."
    rows = [row(*GOOD)] + [row(q, answer + f" ({i})", CODE_CHUNK if rule == "code_example_question" else CHUNK)
                           for i, (rule, q) in enumerate(QUESTION_CASES.items())]
    data = write(tmp_path / "pairs.jsonl", rows)
    cfg = config(tiny_embedder, relevance__enabled=False, grounding__enabled=False, rules__enabled=False)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    rejects = {r["instruction"]: first_evidence(r) for r in read(tmp_path / "curated.rejects.jsonl")}
    for rule, question in QUESTION_CASES.items():
        evidence = rejects[question]
        assert (evidence["step"], evidence["rule"]) == ("question_form", rule), question
        assert evidence["excerpt"] and "score" in evidence
    assert rejects[QUESTION_CASES["wrong_language"]]["question_language"] == "es"
    assert rejects[QUESTION_CASES["wrong_language"]]["chunk_language"] == "en"
    assert "KafkaConsumer" in rejects[QUESTION_CASES["unknown_names"]]["match"]
    kept = read(tmp_path / "curated.jsonl")
    assert [r["instruction"] for r in kept] == [GOOD[0]]
    assert kept[0]["moderation"]["checks"]["question_form"]["chunk"] is True


def test_the_project_named_by_the_path_is_no_unknown_name(tiny_embedder: Path, tmp_path: Path) -> None:
    license = "## License\n\nThis project is licensed under the terms of the MIT license."
    rows = [{**row("Under which license is Typer released?", "This project is licensed under the terms of the MIT "
                   "license.", license), "source": {"path": "docs/typer/README.md", "text": license}},
            row("Under which license is Flask released?", "This project is licensed under the MIT license.", license)]
    data = write(tmp_path / "pairs.jsonl", rows)
    cfg = config(tiny_embedder, relevance__enabled=False, grounding__enabled=False, rules__enabled=False,
                 semantic__enabled=False, near__enabled=False)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    assert [r["instruction"] for r in read(tmp_path / "curated.jsonl")] == ["Under which license is Typer released?"]
    assert first_evidence(read(tmp_path / "curated.rejects.jsonl")[0])["rule"] == "unknown_names"


def test_a_question_naming_something_the_chunk_has_is_kept() -> None:
    step, ctx = QuestionForm(), Context(ModerationConfig())
    items = [Item(0, load_pairs_row("What does the `near.threshold` setting control?", "It is the Jaccard ...")),
             Item(1, load_pairs_row("What does moderation remove before training?", "Duplicate pairs."))]
    step.run(items, ctx)
    assert not items[0].verdicts and not items[1].verdicts
    assert "near.threshold" in items[0].checks["question_form"]["names"]


def load_pairs_row(instruction: str, output: str, chunk: str = CHUNK):
    from pairsmith.core.records import Pair
    return Pair(instruction=instruction, output=output, source={"text": chunk})


def test_a_chunk_passage_that_fits_the_question_better_drops_the_pair(tiny_embedder: Path, tmp_path: Path) -> None:
    question = "The `near.threshold` setting is the Jaccard similarity above which two prompts are duplicates."
    wrong = "Moderation removes duplicate and low-quality pairs before training."
    data = write(tmp_path / "pairs.jsonl", [row(question, wrong)])
    # the tiny embedder puts all texts close together: any margin above zero drops here
    cfg = config(tiny_embedder, grounding__enabled=False, question_form__enabled=False, pairs__enabled=False,
                 relevance__threshold=0.0, relevance__review_band=0.0)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    (rejected,) = read(tmp_path / "curated.rejects.jsonl")
    evidence = first_evidence(rejected)
    assert (evidence["step"], evidence["rule"], evidence["competitor"]) == ("relevance", "answer_mismatch", "chunk span")
    assert evidence["best_other"] == pytest.approx(1.0, abs=1e-3)
    assert evidence["margin"] == pytest.approx(evidence["best_other"] - evidence["score"], abs=1e-3)
    assert "Jaccard" in evidence["excerpt"]


def swapped_lamini(tmp_path: Path, n: int, swaps: int, seed: int = 0) -> tuple[Path, set[str]]:
    rows = [json.loads(line) for line in LAMINI.read_text(encoding="utf-8").splitlines()[:n]]
    chosen = random.Random(seed).sample(range(n), swaps)
    answers = {a: rows[b]["answer"] for a, b in zip(chosen, chosen[1:] + chosen[:1])}
    for i, answer in answers.items():
        rows[i] = {**rows[i], "answer": answer}
    path = write(tmp_path / "lamini.jsonl", rows)
    pairs = load_pairs(path)
    return path, {pairs[i].id for i in chosen}


def test_relevance_wiring_on_swapped_lamini(tiny_embedder: Path, tmp_path: Path) -> None:
    data, swapped = swapped_lamini(tmp_path, 200, 20)
    # the tiny embedder puts all texts close together (every answer "the same answer" at 0.9), so its
    # margins mean little: every other answer competes, and any competitor drops, to check the wiring
    cfg = config(tiny_embedder, relevance__threshold=-2.0, relevance__review_band=0.0,
                 relevance__same_answer=1.01, relevance__same_question=1.01,
                 relevance__displaced_only=False)
    result = moderate(data, tmp_path / "curated.jsonl", config=cfg, report=tmp_path / "report.md")
    mismatches = [r for r in read(tmp_path / "curated.rejects.jsonl")
                  if first_evidence(r)["step"] == "relevance"]
    assert mismatches and result.drop_reasons["relevance:answer_mismatch"] == len(mismatches)
    ids = {p.id for p in load_pairs(data)}
    for record in mismatches:
        evidence = first_evidence(record)
        assert evidence["rule"] == "answer_mismatch" and evidence["competitor"] in ids
        assert {"score", "best_other", "margin", "excerpt"} <= set(evidence)
    assert swapped & {r["id"] for r in mismatches}
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["steps"]["relevance"]["dropped"]["answer_mismatch"] == len(mismatches)
    assert sum(report["relevance"]["histogram"]) == len(result.stats["relevance_margins"]) > 0
    assert (tmp_path / "report_relevance.png").stat().st_size > 1000
    markdown = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "## Relevance (`relevance`)" in markdown and "report_relevance.png" in markdown


def test_kept_pairs_record_the_relevance_margin(tiny_embedder: Path, tmp_path: Path) -> None:
    data, _ = swapped_lamini(tmp_path, 60, 2)
    cfg = config(tiny_embedder, relevance__threshold=5.0, relevance__same_answer=1.01,
                 relevance__displaced_only=False)
    moderate(data, tmp_path / "curated.jsonl", config=cfg)
    checks = [r["moderation"]["checks"]["relevance"] for r in read(tmp_path / "curated.jsonl")
              if "relevance" in r["moderation"].get("checks", {})]
    assert checks and all("score" in c and "margin" in c for c in checks)


@pytest.mark.parametrize("step", [AnswerForm(), QuestionForm()], ids=["answer_form", "question_form"])
def test_human_written_lamini_pairs_are_rarely_flagged(step) -> None:
    items = [Item(i, p) for i, p in enumerate(load_pairs(LAMINI))]
    step.run(items, Context(ModerationConfig()))
    flagged = [i for i in items if i.verdicts]
    assert len(flagged) / len(items) < 0.02, [(i.pair.instruction, i.verdicts[0].rule) for i in flagged]


def test_relevance_competitors_are_computed_blockwise() -> None:
    import numpy as np

    from moderation.steps.relevance import best_other_answers

    rng = np.random.default_rng(0)
    Q = rng.normal(size=(50, 8)).astype(np.float32)
    A = rng.normal(size=(50, 8)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    A /= np.linalg.norm(A, axis=1, keepdims=True)
    keys = [str(i) for i in range(50)]
    whole = best_other_answers(Q, A, keys, 0.9, True, 4096, keys)
    blocks = best_other_answers(Q, A, keys, 0.9, True, 7, keys)
    assert np.allclose(whole[0], blocks[0]) and (whole[1] == blocks[1]).all()
    assert (whole[1] != np.arange(50)).all()


@pytest.mark.slow
def test_swapped_answers_are_caught_on_the_full_lamini_data() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from relevance_swapped import measure

    found = measure(n_swaps=100, seed=0)
    assert found["relative"]["swapped"] >= 0.90
    assert found["relative"]["genuine"] <= 0.05
    assert found["absolute_0.4"]["swapped"] < found["relative"]["swapped"]


def test_relevance_step_is_registered_once() -> None:
    assert sum(isinstance(s, Relevance) for s in STEPS) == 1


def test_a_comparison_must_name_both_sides() -> None:
    from moderation.steps.question_form import unanswered_comparison

    asked = "What is the difference between hashing and locality-sensitive hashing?"
    assert unanswered_comparison(asked, "Exact duplicates are found by hashing normalised text.")
    assert unanswered_comparison(asked, "Hashing finds exact copies; locality-sensitive hashing finds near ones.") is None
    assert unanswered_comparison("What does the cache do?", "It keeps finished work.") is None


def test_an_answer_unrelated_to_its_question_is_dropped_whatever_competes() -> None:
    """Below the floor of question-answer cosine, no competitor has to win (an off-topic question
    about a lone pair, or about a chunk with nothing else in it)."""
    import numpy as np

    from pairsmith.core.records import Pair

    vectors = {"How do I prepare for a job interview?": [1.0, 0.0], "It runs the whole loop.": [0.05, 1.0],
               "What does it run?": [0.2, 1.0], "It runs the whole loop, end to end.": [0.0, 1.0]}

    class Fixed(Context):
        def embed(self, texts: list[str]) -> np.ndarray:
            found = np.array([vectors[t] for t in texts], dtype=np.float32)
            return found / np.linalg.norm(found, axis=1, keepdims=True)

    items = [Item(0, Pair(instruction="How do I prepare for a job interview?", output="It runs the whole loop.")),
             Item(1, Pair(instruction="What does it run?", output="It runs the whole loop, end to end."))]
    cfg = ModerationConfig()
    cfg.relevance.chunk_spans = False
    Relevance().run(items, Fixed(cfg))
    off, fine = items
    assert off.verdicts[0].rule == "unrelated_answer" and off.verdicts[0].evidence["score"] < cfg.relevance.floor
    assert not fine.verdicts


def test_the_dominant_script_is_read_as_a_per_letter_count_would_read_it() -> None:
    """ASCII is counted without a Unicode lookup; the result is the same as looking up every letter,
    ties going to the script met first."""
    from moderation.steps.question_form import _script
    from pairsmith.core.textmetrics import letter_script

    def every_letter(text: str) -> str | None:  # most_common is stable: a tie goes to the first counted
        counted = Counter(script for script in map(letter_script, text) if script is not None).most_common(1)
        return counted[0][0] if counted else None

    texts = ["How do I x?", "123 !!", "", "Жж ab", "ab Жж", "日本 ab", "¿Cómo se usa pairsmith?", "Straße 3",
             "如何使用 pairsmith 生成数据？", "Как использовать pairsmith?", "ℓ 𝑥 Ａ", "é ж"]
    for text in texts:
        assert _script(text) == every_letter(text), text
    assert _script("Жж ab") == "cyrillic" and _script("ab Жж") == "latin"
