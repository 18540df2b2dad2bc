"""Text measures every stage shares: normalisation, tokens, sentences and passage spans,
ROUGE-L (exactly as rouge-score computes it) and repetition."""

from __future__ import annotations

import re
import unicodedata
import string
from collections.abc import Sequence
from dataclasses import dataclass

from pairsmith.core.words import common_words

# A sentence ends at . ! or ? followed by space and a capital, digit, quote, backtick or bracket.
SENTENCE_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(])")

# Paragraphs that are code, tables or reST directives / underlines: kept whole, never split.
_BLOCK_STARTS = ("```", "~~~", "|", "+-", "=", "..")
_PARAGRAPH = re.compile(r"\n\s*\n")


def passage_spans(text: str, min_words: int = 1, max_chars: int | None = None) -> list[str]:
    """The spans an answer drawn from `text` may be: each sentence, two adjacent sentences, and
    each code block or table whole; paragraph by paragraph, so headings stand apart.

    Generation offers these as the choices of an extractive answer; grounding matches answers
    against them. Sentences shorter than `min_words`, and spans over `max_chars`, are left out.
    """
    sentences: list[str] = []
    blocks: list[str] = []
    for para in _PARAGRAPH.split(text):
        stripped = para.strip()
        if not stripped:
            continue
        if stripped.startswith(_BLOCK_STARTS) or para.startswith("    "):
            if max_chars is None or len(stripped) <= max_chars:
                blocks.append(stripped)
            continue
        flat = " ".join(stripped.split())
        sentences += [s for s in SENTENCE_BOUNDARY.split(flat)
                      if len(s.split()) >= min_words and any(c.isalnum() for c in s)]
    pairs = [f"{a} {b}" for a, b in zip(sentences, sentences[1:])
             if max_chars is None or len(a) + len(b) < max_chars]
    return list(dict.fromkeys(sentences + pairs + blocks))


_PUNCT = str.maketrans({c: " " for c in string.punctuation + "“”‘’«»…–—"})
_SPACE = re.compile(r"\s+")
_ROUGE_TOKEN = re.compile(r"[^a-z0-9]+")
_FENCE = re.compile(r"```.*?(```|$)", re.S)


def normalise(text: str) -> str:
    """Lower case, punctuation to spaces, whitespace collapsed: the exact-duplicate key."""
    return _SPACE.sub(" ", text.lower().translate(_PUNCT)).strip()


def said_in(part: str, text: str) -> bool:
    """The part's words, in order and whole, are words of the text (both normalised): "None" is said
    in "... returns None.", not in "Nonetheless"."""
    key = normalise(part)
    return bool(key) and f" {key} " in f" {normalise(text)} "


def rouge_tokens(text: str) -> list[str]:
    """Tokens as rouge-score's default tokenizer makes them (lower case, alphanumeric runs)."""
    return [t for t in _ROUGE_TOKEN.split(text.lower()) if t]


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")


def word_tokens(text: str) -> list[str]:
    """Words in lower case, letters and digits with an inner apostrophe kept ("don't" is one word)."""
    return [w.lower() for w in _WORD.findall(text)]


CODE_SPAN = re.compile(r"`([^`\n]+)`")  # an inline code span; group 1 is its text
_NOT_A_SCRIPT = ("MODIFIER", "MATHEMATICAL", "SCRIPT", "FULLWIDTH", "HALFWIDTH", "BLACK-LETTER", "DOUBLE-STRUCK",
                 "CIRCLED", "PARENTHESIZED", "SQUARED", "NEGATIVE")


def letter_script(char: str) -> str | None:
    """The script of a letter as its Unicode name opens ("latin", "cjk", "cyrillic", "hangul", ...);
    None for what is no letter of a language: digits, symbols, and letter-like symbols (ℓ, 𝑥, ʼ, Ａ)."""
    if not char.isalpha():
        return None
    name = unicodedata.name(char, "")
    first = name.split(" ")[0]
    if not first or first in _NOT_A_SCRIPT or not any(w in name for w in ("LETTER", "IDEOGRAPH", "SYLLABLE")):
        return None
    return first.lower()


def stem_word(word: str) -> str:
    """A lower-case word without its plural or verb ending, so "installs" and "install" count as one word."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("es") and word[:-2].endswith(("ss", "sh", "ch", "x", "z")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        word = word[:-1]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def words(text: str) -> list[str]:
    return text.split()


def prose(text: str) -> str:
    """The text without fenced code blocks (rules about language and sentences skip code)."""
    return _FENCE.sub(" ", text)


def sentences(text: str) -> list[str]:
    """Sentences of the prose of a text (code blocks removed)."""
    flat = _SPACE.sub(" ", prose(text)).strip()
    return [s for s in SENTENCE_BOUNDARY.split(flat) if s.strip()] if flat else []


def prompt_text(instruction: str, input: str) -> str:
    """What a dedupe step compares: the instruction, and its input when there is one."""
    return f"{instruction}\n{input}" if input else instruction


def lcs_length(a: Sequence[int], b: Sequence[int]) -> int:
    """Length of the longest common subsequence (dynamic programming, one row of memory)."""
    if len(a) < len(b):
        a, b = b, a
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def rouge_l(a: Sequence, b: Sequence) -> float:
    """ROUGE-L F-measure of two token sequences (0 when either is empty)."""
    if not a or not b:
        return 0.0
    lcs = lcs_length(a, b)
    if lcs == 0:
        return 0.0
    # rouge-score's arithmetic exactly (not the equal 2·lcs/(|a|+|b|)): at a threshold such as
    # 0.7 the last bit decides whether "> 0.7" holds, and parity with Alpaca needs the same bit.
    precision, recall = lcs / len(b), lcs / len(a)
    return 2 * precision * recall / (precision + recall)


def rouge_l_text(a: str, b: str) -> float:
    """ROUGE-L F of two texts, tokenised as rouge-score does."""
    return rouge_l(rouge_tokens(a), rouge_tokens(b))


def share_repeated(items: Sequence) -> float:
    """The share of items equal to an earlier one: the looping, repeating output of a base model."""
    seen: set = set()
    repeated = 0
    for item in items:
        if item in seen:
            repeated += 1
        seen.add(item)
    return repeated / len(items) if items else 0.0


@dataclass(frozen=True)
class Repetition:
    """How much of a text's prose repeats itself, by lines (over 3 characters) and word n-grams."""

    lines: int
    line_share: float
    words: int
    ngram_share: float


def repetition(text: str, ngram: int = 4) -> Repetition:
    """Repeated lines and repeated word n-grams of the prose (code blocks left out)."""
    lines = [line.strip() for line in prose(text).splitlines() if len(line.strip()) > 3]
    tokens = [w.lower() for w in words(prose(text))]
    grams = [tuple(tokens[i : i + ngram]) for i in range(len(tokens) - ngram + 1)]
    return Repetition(len(lines), share_repeated(lines), len(tokens), share_repeated(grams))


def _project_name(project: str, joined: str = r"[\w-]") -> re.Pattern[str]:
    """The project's name where no `joined` character touches it (a hyphen joins it to a package)."""
    return re.compile(rf"(?<!{joined}){re.escape(project.strip())}(?!{joined})", re.I)


_CODE_SPAN = re.compile(r"`[^`\n]*`")
_KIND_AFTER = re.compile(r"\s+(?:library|package|module|project|framework|tool|cli|api|command)\b", re.I)
_INSTALLED = re.compile(r"\b(?:install|import|from)\s+$", re.I)


def common_word_name(project: str) -> bool:
    """The project's name is also a common English word, whatever its case: "build", "black",
    "Rich", "Requests" (`words.common_words`); "pip", "httpx" and "Starlette" are names only."""
    return project.strip().lower() in common_words("en")


def names_project(question: str, project: str) -> bool:
    """The question says the project's name, as a word, a word's prefix (`httpx.Client`) or a part
    of a package named after it (`httpx-auth`, `pytest-httpx`). A name spelled with capitals
    ("Requests", "Rich") or one in lower case that is a common English word ("build", "black")
    names it in lower case only as code (in a code span, joined to a dotted or hyphenated name,
    after "install" or "import") or as "the build tool": bare, "http requests" and "build tools"
    are the English words."""
    name = project.strip()
    if not name:
        return False
    any_case = name == name.lower() and not common_word_name(name)  # "pip", "tox": every spelling names it
    spans = [m.span() for m in _CODE_SPAN.finditer(question)]
    for match in _project_name(project, r"\w").finditer(question):
        start, end = match.span()
        if any_case or match.group(0) != match.group(0).lower():
            return True
        touching = question[start - 1 : start] + question[end : end + 1]
        if (any(a <= start < b for a, b in spans) or any(c in ".-_" for c in touching.strip())
                or _KIND_AFTER.match(question, end) or _INSTALLED.search(question[:start])):
            return True
    return False


def project_name_position(question: str, project: str | None) -> int | None:
    """Where the question first says the project's name (a character offset), None where it does not."""
    if not project or not project.strip():
        return None
    found = _project_name(project, r"\w").search(question)
    return found.start() if found else None


def without_project(text: str, project: str | None) -> str:
    """The text with the project's name (and its possessive) taken out: every question of a run names
    the project, so the name says nothing about which answer or passage fits the question."""
    if not project:
        return text
    pattern = re.compile(_project_name(project).pattern + r"(?:'s)?", re.I)
    return " ".join(pattern.sub(" ", text).split())
