"""Per-pair rules: emptiness, length, refusals and boilerplate, repetition, truncation,
language and PII. Each rule returns a Verdict with the matched evidence, or None."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from moderation.config import RuleConfig
from moderation.pii import find_pii
from moderation.verdict import Verdict
from pairsmith.core.records import Pair
from pairsmith.core.textmetrics import prose, repetition, words

_STOPWORDS = frozenset(
    "the a an and or of to in on for with is are was were be been it this that these those you your "
    "i we they he she as at by from not no can will do does how what which when where why who if then "
    "than there their has have had its my our us but so such into about over more most also only".split()
)
_CONNECTIVES = frozenset("and or the a an of to with for in on by as that which but".split())
_TERMINAL = tuple(".!?)]}\"'`*:;>|") + ("...",)


@lru_cache(maxsize=32)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a phrase list, matched on word boundaries and case-insensitively, so
    a phrase never matches inside a longer word ("map" does not match "bitmap")."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p.strip()) for p in sorted(phrases, key=len, reverse=True) if p.strip())
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def _size(text: str) -> dict[str, int]:
    return {"words": len(words(text)), "chars": len(text)}


def _too_long(field: str, text: str, max_words: int, max_chars: int) -> Verdict | None:
    size = _size(text)
    if size["words"] > max_words or size["chars"] > max_chars:
        return Verdict("rules", f"{field}_too_long", evidence=size)
    return None


def _too_short(field: str, text: str, min_words: int) -> Verdict | None:
    size = _size(text)
    if size["words"] < min_words:
        return Verdict("rules", f"{field}_too_short", evidence=size)
    return None


def check_lengths(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    """Blank first, then too long (words or characters), then too short (words), instruction
    before output: a 1 MB single token is too long, "12345" is too short, neither is empty."""
    for field_name in ("instruction", "output"):
        text = getattr(pair, field_name)
        if not text.strip():
            return Verdict("rules", f"empty_{field_name}", evidence=_size(text))
    return (_too_long("instruction", pair.instruction, cfg.max_instruction_words, cfg.max_instruction_chars)
            or _too_long("output", pair.output, cfg.max_output_words, cfg.max_output_chars)
            or _too_short("instruction", pair.instruction, cfg.min_instruction_words)
            or _too_short("output", pair.output, cfg.min_output_words))


def check_phrases(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    for rule, phrases in (("refusal", cfg.refusal_phrases), ("boilerplate", cfg.boilerplate_phrases)):
        pattern = _phrase_pattern(tuple(phrases))
        match = pattern.search(pair.output) if pattern else None
        if match:
            return Verdict("rules", rule, evidence={"match": match.group(0)})
    return None


def check_repetition(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    found = repetition(pair.output, cfg.ngram)
    if found.lines >= 3 and found.line_share >= cfg.repeated_line_share:
        return Verdict("rules", "repeated_lines", evidence={"score": found.line_share})
    if found.words >= cfg.min_words_for_repetition and found.ngram_share >= cfg.repeated_ngram_share:
        return Verdict("rules", "repeated_ngrams", evidence={"score": found.ngram_share})
    return None


def check_truncation(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    if not cfg.truncation:
        return None
    text = pair.output.rstrip()
    if sum(1 for line in text.splitlines() if line.lstrip().startswith("```")) % 2 == 1:  # not ```` ```json ```` inline
        return Verdict("rules", "truncated", evidence={"match": "unclosed code fence"})
    last_line = text.splitlines()[-1].strip() if text else ""
    if not last_line or last_line.startswith(("-", "*", "|", "#", "    ")) or re.match(r"^\d+[.)]\s", last_line):
        return None  # lists, tables and headings end without punctuation
    last_word = last_line.split()[-1].lower()
    if last_line.endswith((",", "(", "-")) or (last_word in _CONNECTIVES and len(words(last_line)) > 3):
        return Verdict("rules", "truncated", evidence={"match": last_line[-40:]})
    if len(words(last_line)) >= 12 and not last_line.endswith(_TERMINAL) and last_line[-1].isalpha():
        # Weak signal: many human answers simply skip the final full stop. A person decides.
        return Verdict("rules", "no_final_punctuation", decision="review", evidence={"match": last_line[-40:]})
    return None


def check_language(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    if not cfg.languages or "en" not in cfg.languages:
        return None  # only English is detected; other language lists turn the rule off
    tokens = [w.lower().strip(".,;:!?()[]\"'`") for w in words(prose(f"{pair.instruction} {pair.output}"))]
    letters = [t for t in tokens if t.isalpha()]
    if len(letters) < cfg.min_words_for_language:
        return None
    share = sum(t in _STOPWORDS for t in letters) / len(letters)
    non_latin = sum(not c.isascii() for c in pair.output if c.isalpha()) / max(1, sum(c.isalpha() for c in pair.output))
    if share < cfg.min_english_stopword_share or non_latin > 0.3:
        return Verdict("rules", "language", evidence={"score": share, "expected": "en"})
    return None


def check_pii(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    if not cfg.pii:
        return None
    for field_name in ("output", "instruction", "input"):
        found = find_pii(getattr(pair, field_name))
        if found:
            kind, masked = found
            return Verdict("rules", f"pii_{kind}", evidence={"match": masked, "field": field_name})
    return None


RULES: list[Callable[[Pair, RuleConfig], Verdict | None]] = [
    check_lengths, check_phrases, check_repetition, check_truncation, check_language, check_pii,
]


def apply_rules(pair: Pair, cfg: RuleConfig) -> Verdict | None:
    """The first rule the pair breaks, or None."""
    for rule in RULES:
        verdict = rule(pair, cfg)
        if verdict is not None:
            return verdict
    return None
