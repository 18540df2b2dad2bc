"""Moderation settings: which steps run and their thresholds, with documented defaults.

Load from YAML or JSON (`pairsmith moderate --config FILE`); unknown keys are an error, so a
typo never silently falls back to a default. `pairsmith moderate --print-config` shows them all.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pairsmith.core.errors import ConfigError
from pairsmith.core.reply_schemas import NAME_WITHIN

DEFAULT_REFUSALS = [
    "as an ai language model", "as an ai model", "i'm sorry, but i", "i am sorry, but i", "i cannot help with",
    "i can't help with", "i cannot answer", "i can't answer", "i'm not able to", "i am not able to provide",
    "i don't have access to", "i do not have access to", "i'm unable to", "i am unable to",
    "is not provided in the", "is not mentioned in the", "are not mentioned in the", "does not specify",
    "do not specify", "the documentation does not", "the section does not", "the given documentation",
    "the provided documentation", "the provided text", "the given text", "not specified in the",
]
DEFAULT_BOILERPLATE = [
    "keep the discussion relevant to", "let me know if you have any other questions",
    "i hope this helps", "feel free to ask", "this is not related to", "is not relevant to",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleConfig(_Strict):
    """Per-pair rules. Lengths are in words, and in characters too for the upper limits (one
    enormous token, such as a pasted blob, is too long however few words it has)."""

    enabled: bool = True
    min_instruction_words: int = 2  # fewer (but not blank): instruction_too_short
    min_output_words: int = 1  # fewer (but not blank): output_too_short
    max_instruction_words: int = 400
    max_output_words: int = 1200
    max_instruction_chars: int = 4000
    max_output_chars: int = 12000
    refusal_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_REFUSALS))
    boilerplate_phrases: list[str] = Field(default_factory=lambda: list(DEFAULT_BOILERPLATE))
    repeated_line_share: float = 0.3  # share of non-blank lines that repeat an earlier one
    repeated_ngram_share: float = 0.3  # share of word 4-grams that repeat an earlier one
    ngram: int = 4
    min_words_for_repetition: int = 24
    truncation: bool = True  # unclosed code fence, or output that stops mid-sentence
    languages: list[str] = Field(default_factory=lambda: ["en"])  # empty: no language rule
    min_english_stopword_share: float = 0.08
    min_words_for_language: int = 12
    pii: bool = True  # e-mail addresses, phone numbers, API keys and tokens


class ExactConfig(_Strict):
    enabled: bool = True


class NearConfig(_Strict):
    """Near duplicates of the prompt (instruction + input)."""

    enabled: bool = True
    method: Literal["minhash", "rouge"] = "minhash"  # minhash scales; rouge is Alpaca's rule, exact parity
    threshold: float = 0.7  # Jaccard of the prompts' word shingles (minhash)
    rouge_threshold: float = 0.7  # ROUGE-L F above which Alpaca's rule drops (method: rouge)
    num_perm: int = 128
    shingle: int = 1  # words per shingle: single words suit short instructions best
    review_band: float = 0.0  # similarity in [threshold - band, threshold): review, not drop


class SemanticConfig(_Strict):
    """Semantic duplicates by sentence embeddings of the prompt."""

    enabled: bool = True
    threshold: float = 0.95  # cosine at or above: duplicate
    review_band: float = 0.03  # cosine in [threshold - band, threshold): review
    block_size: int = 2048  # rows per block of the similarity computation (memory stays flat)
    ann_min_pairs: int = 100_000  # from this size on, an ANN index (faiss) replaces exact search
    ann_neighbours: int = 16


class PairChecksConfig(_Strict):
    enabled: bool = True
    conflict_threshold: float = 0.5  # duplicate questions whose answers are less similar: review both
    restate_threshold: float = 0.8  # ROUGE-L F between answer and question at or above ...
    restate_new_words: float = 0.2  # ... and at most this share of answer words new: drop
    adds_nothing: bool = True  # an answer with no content word or fact the question lacks: drop


class GroundingConfig(_Strict):
    """Answers must be supported by their source chunk (when the pair carries one)."""

    enabled: bool = True
    threshold: float = 0.45  # mean over answer sentences of the best cosine to a chunk sentence
    review_band: float = 0.1
    docs_root: str = "."  # where source paths are resolved when a pair carries path + lines
    judge_model: str = "judge"


class AnswerFormConfig(_Strict):
    """The answer's form: markup, bare URLs, link lists, terminal drawings, table scraps, dangling
    intros, code-only answers to what/why questions."""

    enabled: bool = True
    min_letter_words: int = 3  # fewer words of letters left once markup, links and URLs are removed: markup_only
    url_share: float = 0.5  # share of the answer's tokens that are bare URLs at or above: url_list
    drawing_share: float = 0.2  # share of non-space characters that are box-drawing or block characters: drawing_fragment
    max_table_rows: int = 1  # a table with at most this many content rows (a lone row or separator): table_fragment
    # ends on ":" or "the following", "as follows", "below", "here is/are", "like this", or is one line naming
    # what it introduces with nothing after ("The following profiles are built in."): dangling_intro
    dangling_intro: bool = True
    # opens leaning on a statement the pair never makes ("This means ...", "While this leads to ..."): leans_on_unseen
    leaning_opener: bool = True
    source_silent: bool = True  # says its source does not say ("the text does not provide ..."): says_source_is_silent
    defers_elsewhere: bool = True  # every sentence sends the reader elsewhere ("refer to the ... section"): defers_elsewhere
    link_list: bool = True  # two or more links with an introduction ("see:") or list around them: link_list
    link_list_words: int = 8  # ... and at most this many words of letters outside the links
    # only code (under min_letter_words of prose) for a question that is no how/code question, or for one that asks
    # a command's output: code_only_answer; a "which command ...?" question answered with no code: no_command_in_answer
    code_only: bool = True
    # a question that asks for a version ("which version ...", "when was X added") answered with no version
    # number but its own, "how many ..." with no number, a syntax with nothing written, an install with an
    # installer named and no install command, or the members of a kind ("what options ...") only by the kind:
    # no_value_in_answer
    asked_value: bool = True


class QuestionFormConfig(_Strict):
    """The question's form and its fit to the source chunk (the chunk rules skip pairs without one)."""

    enabled: bool = True
    comparisons: bool = True  # a "difference between A and B" question whose answer names one side or none
    # two questions joined into one ("What does X do, and how is Y set?"): a person decides (review), since
    # the answer often leaves one of them open; off lets them through
    two_questions: bool = True
    # a question that first names its project this many characters in or later: the name is where a reply
    # grammar forced it (generation's must come within NAME_WITHIN) or trails a long question; 73% of such
    # kept pairs were labelled bad (BENCHMARKS.md), so a person decides (review: late_name); 0 turns it off
    late_name: int = NAME_WITHIN - 2
    repeat_ngram: int = 3  # a word n-gram this long appearing twice (or a clause said twice): repeated_question
    min_repeat_content: int = 1  # ... when the n-gram holds at least this many non-stop words
    # placeholder text anywhere in the question: template_echo; so is a <placeholder>, a question of only digits
    # or punctuation, a bare "Question"/"Answer", and one that starts with "json" (not every mention of JSON:
    # "How do I convert JSON to JSONL?" is a real question about the docs)
    template_phrases: list[str] = Field(default_factory=lambda: [
        "your answer", "your question", "question:", "answer:", "{", "}"])
    imperative_verbs: list[str] = Field(default_factory=lambda: [
        "explain", "describe", "list", "show", "give", "write", "tell", "summarize", "summarise", "compare",
        "provide", "name", "define", "create", "generate", "outline", "suggest", "recommend", "find", "help"])
    min_words_unterminated: int = 15  # no final ?.! and not a request, with at least this many words: cut_off
    language: bool = True  # the question's language differs from its chunk's: wrong_language
    min_words_for_language: int = 5  # both question and chunk need this many words (chunk: 4x) to compare
    unknown_names: bool = True  # names in the question (`code`, CamelCase, snake_case, a.b, v2, 2.7) none in the chunk
    strict_code_names: bool = True  # ... or any `code` name or version the question quotes is not in the chunk
    code_example: bool = True  # the question is quoted in the chunk's code (an example it shows)
    code_example_similarity: float = 0.8  # ROUGE-L to a string literal in the chunk's code at or above: quoted
    example_subject: bool = True  # the question names a class or function that the chunk's own example code defines
    # regexes for questions that fit any answer, matched against the whole question (final ?.! removed,
    # case-insensitive); a question whose words are all generic ("What does it do?") is generic too
    generic_patterns: list[str] = Field(default_factory=lambda: [
        r"what (is|are|will be) the (output|result)s? of (the|this|these) (following|above|below)?\s*(\w+\s+)?"
        r"(command|commands|code|query|program|script|snippet|function|example|statement)",
        r"what does (this|the following|the above|it) ((\w+\s+)?(code|command|function|snippet|program|script) )?"
        r"(do|mean|return|print|output)",
        r"what (is|are) (this|these|that|it)", r"what is the (purpose|meaning|point|use) of (this|that|it)",
        r"can you explain (this|that|it)( to me)?", r"what is the answer to (this|the|that|the following) question.*",
        r"which of the following.*", r"explain (this|that|it)"])


class RelevanceConfig(_Strict):
    """Relative relevance: does another answer (or another passage of the chunk) fit the
    question clearly better than its own answer? Measured in bench/relevance_swapped.py."""

    enabled: bool = True
    threshold: float = 0.23  # margin (best competitor cosine - own cosine) above: answer_mismatch (drop)
    review_band: float = 0.0  # margin in (threshold - band, threshold]: weak_relevance (review); 0: none (BENCHMARKS.md)
    floor: float = 0.12  # question-answer cosine below this, whatever competes: unrelated_answer (drop)
    same_answer: float = 0.9  # answers at least this similar count as the same answer: never a competitor
    same_question: float = 0.8  # another pair asking nearly the same question is no competitor (dedupe's business)
    displaced_only: bool = True  # another pair's answer competes only if it fits this question better than its own
    chunk_spans: bool = True  # passages of the source chunk that are not the answer compete too
    span_overlap: float = 0.5  # a span sharing more than this share of its words with the answer is the answer
    block_size: int = 2048  # rows per block of question x answer similarities (memory linear in n)


class JudgedConfig(_Strict):
    """Checks a server model makes when moderate is given --judge-url (nothing happens without one)."""

    enabled: bool = True
    judge_model: str = "judge"
    answerability: bool = True  # does the answer answer the question; is it a real question? (judge_not_answered)
    round_trip: bool = True  # the judge writes the answer's question; cosine to the pair's below: review
    round_trip_similarity: float = 0.5
    concurrency: int = 8


class IfdConfig(_Strict):
    """Instruction-following difficulty: loss(answer | question) / loss(answer) with a small causal LM.
    Opt-in (two forward passes per pair; cached). Measured in moderation/steps/ifd.py."""

    enabled: bool = False
    model: str = "smollm2-135m-instruct"  # alias, hub id or path of the scoring model
    review_above: float = 1.0  # ratio at or above: question_helps_little (review)
    drop_above: float = 1.2  # ratio at or above: question_does_not_help (drop)
    batch_size: int = 16
    max_tokens: int = 256  # question and answer are each cut to this many tokens


class CleanTextConfig(_Strict):
    """Clean text and a question that names its subject, checked on every pair."""

    enabled: bool = True
    markup: bool = True  # raw reST roles or literals, HTML tags, link syntax outside code: markup_residue
    case: bool = True  # an identifier whose case differs from its source's (uRL, commaSeparatedStrings): damaged_case
    script: bool = True  # a letter of a script the source never uses ("trustme库" from an English page): foreign_script
    template_grammar: bool = True  # "What is X? in Y?", a word said twice: template_grammar
    named_subject: bool = True  # the question omits its known project, or names nothing at all: unnamed_subject
    source_reference: bool = True  # the question points at a text its reader lacks ("according to the section"): source_reference
    language: str = "en"  # the word list of phrases for source_reference (pairsmith/core/words_data/<language>.json)


class SupportedConfig(_Strict):
    """Every fact of the answer in its source chunk (pairs that carry one). Measured on a planted
    set in bench/planted_facts.py."""

    enabled: bool = True
    facts: bool = True  # a number, code, identifier, quoted string or proper name the chunk lacks: unsupported_fact
    flips: bool = True  # a chunk sentence said with its negation or an opposing word flipped: contradicts_source
    # a default, merits or examples spoken of from a chunk that names none (`presumed` in en.json):
    # presumed_default, presumed_merit, presumed_example
    presumed: bool = True
    # the generator's quoted evidence is not words of the chunk: evidence_not_in_source. Off: on the
    # labelled runs it dropped more good pairs than bad (10 to 6), whose answers the checks above pass.
    evidence: bool = False


class ModerationConfig(_Strict):
    """All moderation settings (see the README's table of defaults)."""

    embedder: str = "all-minilm-l6-v2"
    batch_size: int = 64
    rules: RuleConfig = Field(default_factory=RuleConfig)
    exact: ExactConfig = Field(default_factory=ExactConfig)
    near: NearConfig = Field(default_factory=NearConfig)
    semantic: SemanticConfig = Field(default_factory=SemanticConfig)
    pairs: PairChecksConfig = Field(default_factory=PairChecksConfig)
    grounding: GroundingConfig = Field(default_factory=GroundingConfig)
    answer_form: AnswerFormConfig = Field(default_factory=AnswerFormConfig)
    question_form: QuestionFormConfig = Field(default_factory=QuestionFormConfig)
    clean_text: CleanTextConfig = Field(default_factory=CleanTextConfig)
    supported: SupportedConfig = Field(default_factory=SupportedConfig)
    relevance: RelevanceConfig = Field(default_factory=RelevanceConfig)
    judged: JudgedConfig = Field(default_factory=JudgedConfig)
    ifd: IfdConfig = Field(default_factory=IfdConfig)
    source: Path | None = Field(default=None, exclude=True)  # the file it was read from, if any


def load_config(path: str | Path | None) -> ModerationConfig:
    """Defaults, overridden by a YAML or JSON file when given."""
    if path is None:
        return ModerationConfig()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ConfigError(f"{path}{where}: not valid YAML ({problem})") from None
    try:
        config = ModerationConfig.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from None
    config.source = path
    return config
