"""Questions read off a sentence's grammar, for the sentences whose shape says what they answer:
"The default X is Y." -> "What is the default X?"; "`--model` takes an alias ..." -> "What does
`--model` take?"; "Pass `--dry-run` to print the plan." -> "How do I print the plan?". Precise
where they apply; a sentence of another shape gets no question here (a model may ask one)."""

from __future__ import annotations

import re

_DETERMINER = r"(?:The|A|An|Each|Every|Its|Your|Their)"
# Subjects: a short noun phrase, a code span, or a capitalised name; no verb of its own.
_SUBJECT = rf"(?P<subject>(?:{_DETERMINER}\s+)?(?:`[^`]+`|[A-Za-z][\w./-]*)(?:\s+(?:`[^`]+`|[a-z][\w./-]*|[A-Z][\w./-]*)){{0,5}})"
_BE = re.compile(rf"^{_SUBJECT}\s+(?P<verb>is|are)\s+(?P<rest>.+)$")
_SUBJECT_ONLY = re.compile(rf"^{_SUBJECT}$")
_PLURAL_VERB = re.compile(r"^(?P<subject>(?:The\s+)?(?:[a-z][\w-]*\s+)?[A-Z]?[a-z][\w-]*s)\s+(?P<verb>[a-z]+)\s+(?P<rest>.+)$")
_IMPERATIVE = re.compile(r"^(?P<verb>Pass|Use|Set|Run|Add|Give|Call|Install|Point|Put)\s+(?P<what>.+?)\s+to\s+(?P<goal>[a-z].+?)[.!]?$")
_SO_THAT = re.compile(r"^(?P<verb>Install|Use|Set|Run|Pass|Keep|Add|Call|Put|Load|Pin|Start)\s+(?P<what>.+?)\s+so that\s+(?P<why>[a-z].+)$")
_MUST_USE = re.compile(rf"^{_SUBJECT}\s+(?:must|needs to|has to) be (?:used|run) with\s+(?P<rest>.+)$")
_TO_DO = re.compile(r"^To\s+(?P<goal>[a-z][^,]+),\s+(?P<rest>.+)$")

# Words that end a subject: a subject with one of these inside is a clause, not a noun phrase.
_NOT_SUBJECT = {"is", "are", "was", "were", "be", "been", "has", "have", "had", "can", "will", "may", "must",
                "should", "would", "could", "do", "does", "did", "not", "when", "if", "that", "which", "who",
                "and", "or", "but", "so", "with", "for", "in", "on", "at", "by", "from", "to"}
_LEANING = {"it", "this", "that", "these", "those", "they", "there", "here", "such", "which", "what", "one",
            "nothing", "everything", "something", "all", "none", "some", "many", "most", "both", "either"}
_VERBS_3RD = {"takes", "reads", "writes", "keeps", "runs", "uses", "makes", "gives", "returns", "stores",
              "holds", "prints", "drops", "adds", "accepts", "needs", "requires", "loads", "saves", "skips",
              "converts", "carries", "records", "applies", "supports", "checks", "finds", "sends", "starts",
              "stops", "picks", "builds", "creates", "removes", "splits", "cuts", "trains", "evaluates",
              "generates", "moderates", "turns", "reports", "refuses", "retries", "defaults", "means",
              "decides", "compares", "counts", "lists", "shows", "asks", "answers", "contains", "includes",
              "lets", "allows", "provides", "ships", "works", "resolves", "caches", "locks", "appends"}


def _base(verb: str) -> str:
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes", "zes")):
        return verb[:-2]
    return verb[:-1]


_VAGUE = {"previous", "above", "below", "following", "same", "other", "former", "latter", "it", "they", "this",
          "these", "those", "them", "its", "their"}


# Subjects that name nothing by themselves ("What is the input?", "What are writes?"): a question
# about them needs the chunk to be understood.
_GENERIC_SUBJECTS = {"input", "output", "library", "result", "results", "data", "value", "values", "writes",
                     "reads", "thing", "things", "example", "examples", "code", "text", "table", "tables", "path",
                     "paths", "argument", "arguments", "keyword", "keywords", "relative", "default", "defaults",
                     "step", "steps", "part", "parts", "way", "ways", "one", "ones", "function", "method", "tool"}
_DETERMINERS = {"the", "a", "an", "each", "every", "its", "your", "their"}


def _subject_ok(subject: str) -> bool:
    words = [w.lower() for w in subject.split()]
    content = [w for w in words if w not in _DETERMINERS]
    named = "`" in subject or any(re.search(r"[A-Z]", w) for w in subject.split()[1:]) or any(
        re.search(r"[A-Z].*[A-Z]|\d|[._]", w) for w in subject.split())
    if content and all(w.strip("`") in _GENERIC_SUBJECTS for w in content) and not named:
        return False
    return (bool(words) and words[0] not in _LEANING and not (set(words) & (_NOT_SUBJECT | _VAGUE))
            and len(words) <= 6)


def _lower_first(subject: str, name: str = "") -> str:
    """The subject inside a question: "The default X" -> "the default X", "Prompts" -> "prompts";
    names (`code`, CamelCase, ALL CAPS, the project's own `name`) stay as they are."""
    first, _, rest = subject.partition(" ")
    if name and first.lower() == name.lower():
        return subject
    if re.fullmatch(r"[A-Z][a-z]*", first):
        return f"{first.lower()} {rest}".strip()
    return subject


def _first_verb(sentence: str) -> _Split | None:
    """The subject before the first known verb of the first seven words, when it is a noun
    phrase: "Moderation removes duplicate pairs" splits at "removes", not at "pairs"."""
    words = sentence.split()
    for i in range(1, min(len(words), 8)):
        if words[i] in _VERBS_3RD:
            if i + 1 < len(words) and words[i + 1].lower() in _PREPOSITIONS and not words[0].startswith("`-"):
                return None  # "Phrase lists for refusals ...", "AdamW runs as ...": a noun, or no object to ask for
            subject = _SUBJECT_ONLY.match(" ".join(words[:i]))
            return _Split(subject.group("subject"), words[i], " ".join(words[i + 1 :])) if subject else None
    return None


_PREPOSITIONS = {"for", "of", "as", "in", "on", "at", "by", "from", "to", "with", "into", "through", "when", "if"}


class _Split:
    """A sentence cut into subject, verb and the rest (what `re.Match.group` gives)."""

    def __init__(self, subject: str, verb: str, rest: str) -> None:
        self.parts = {"subject": subject, "verb": verb, "rest": rest}

    def group(self, name: str) -> str:
        return self.parts[name]


def rule_question(sentence: str, name: str = "") -> str | None:
    """The question this sentence answers, when its shape tells; None otherwise. `name` is the
    project the docs are about, kept as it is spelled ("What is Typer?")."""
    sentence = " ".join(sentence.split()).strip()
    if not sentence or sentence.endswith("?"):
        return None
    match = _MUST_USE.match(sentence)
    if match and _subject_ok(match.group("subject")):
        return f"What does {_lower_first(match.group('subject'), name)} require?"
    match = _TO_DO.match(sentence)
    if match and len(match.group("goal").split()) <= 10:
        return f"How do I {match.group('goal')}?"
    match = _SO_THAT.match(sentence)
    if match and len(match.group("what").split()) <= 8:
        return f"Why should I {match.group('verb').lower()} {match.group('what')}?"
    match = _IMPERATIVE.match(sentence)
    if match and len(match.group("goal").split()) <= 12:
        goal = match.group("goal").rstrip(".")
        return f"How do I {goal}?"
    match = _BE.match(sentence)
    if match and _subject_ok(match.group("subject")):
        subject = _lower_first(match.group("subject"), name)
        verb = match.group("verb")
        rest = match.group("rest")
        if re.match(r"^(not|never|only|also|always|often|usually|then)\b", rest):
            return None
        if rest.startswith("used for "):
            return f"What {verb} {subject} used for?"
        if rest.startswith("used when "):
            return f"When {verb} {subject} used?"
        participle = re.match(r"^(\w+(?:ed|en|wn|ung|ept|ilt|ound|ade|ritten)|cut|set|put|read|run|split|held|sent|"
                              r"left|lost|hit|shut|spread)\b", rest)
        if participle and not rest.startswith(("used ", "the ", "a ")):
            # passive: "Exact duplicates are found by hashing ..." -> "How are exact duplicates found?"
            return f"How {verb} {subject} {participle.group(1)}?"
        predicate = re.match(r"^((?:\w+\s){0,2}\w+)(?:[:;,]|\s+(?:and|so|but)\b)", rest)
        if predicate and not re.match(r"^(a|an|the|one|any|each|no)\b", rest):
            # an adjective: "Ids are stable: ..." -> "Are ids stable?"
            return f"{verb.capitalize()} {subject} {predicate.group(1)}?"
        return f"What {verb} {subject}?"
    match = _first_verb(sentence)
    if match and _subject_ok(match.group("subject")):
        subject = _lower_first(match.group("subject"), name)
        verb = _base(match.group("verb"))
        if subject.startswith("`-"):
            return f"What does the {subject} option do?"
        if verb in ("turn", "make", "convert") and " into " in match.group("rest"):
            return f"What does {subject} do?"
        if verb == "default":
            return f"What does {subject} default to?"
        return f"What does {subject} {verb}?"
    match = _PLURAL_VERB.match(sentence)
    if match and match.group("verb") + "s" in _VERBS_3RD and _subject_ok(match.group("subject")):
        # "Rules drop pairs that are empty" -> "What do rules drop?"
        return f"What do {_lower_first(match.group('subject'), name)} {match.group('verb')}?"
    return None
