"""Clean text, a named subject and supported facts: the checks every pair passes, on the failures
third-party docs showed (markup left in, damaged identifier case, template grammar, questions that
name nothing, answers that state what their chunk does not)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from alpaca_gen.schema import evidenced_pairs_schema, naming_pattern
from moderation.config import ModerationConfig
from moderation.pipeline import moderate
from moderation.steps.clean_text import (answer_cites_source, damaged_case, foreign_letters, source_reference,
                                         template_grammar, unnamed_subject)
from moderation.steps.restate import added_words
from moderation.steps.supported import answer_facts, evidence_in_source, flipped, unsupported_facts
from pairsmith.core.readable import markup_residue, readable
from pairsmith.core.textmetrics import names_project, without_project
from pairsmith.core.words import load_words

CHUNK = (
    "# Responses\n\n"
    "Starlette includes a few response classes that handle sending back the appropriate ASGI messages.\n\n"
    "`HTMLResponse` takes some text or bytes and returns an HTML response. `JSONResponse` takes some data "
    "and returns an `application/json` encoded response. The `URL` class parses a URL string.\n\n"
    "`CommaSeparatedStrings` splits a config value at its commas. There is no default timeout: requests "
    "wait until the server answers. Set `max_age` to 600 to keep the cookie for ten minutes.\n"
)


def _decisions_by_rules(rows: list[dict], tmp_path: Path) -> dict[str, dict]:
    """Moderate the pairs with the model-free steps only; each question's moderation record."""
    src = tmp_path / "pairs.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    cfg = ModerationConfig()
    for section in ("semantic", "near", "grounding", "relevance", "judged"):
        getattr(cfg, section).enabled = False
    moderate(src, tmp_path / "curated.jsonl", config=cfg)
    return {json.loads(l)["instruction"]: json.loads(l)["moderation"]
            for name in ("curated.jsonl", "curated.rejects.jsonl")
            for l in (tmp_path / name).read_text().splitlines()}


def test_markup_is_rendered_for_prompts_and_caught_in_pairs() -> None:
    rst = "Use :class:`~starlette.responses.HTMLResponse` and ``dict``; see :ref:`the guide <guide>`."
    assert readable(rst) == "Use `HTMLResponse` and `dict`; see the guide."
    myst = "Call {meth}`Context.invoke`, see {ref}`the guide <guide>` and {py:class}`~click.Option`."
    assert readable(myst) == "Call `Context.invoke`, see the guide and `Option`."  # Markdown's form of a role
    assert markup_residue("Call {meth}`Context.invoke` first.")[0] == "myst_role"
    assert markup_residue('A mapping such as {"a": 1} and `x` is fine.') is None
    assert readable("[EventSourceResponse](https://x.org/sse) <b>now</b>") == "EventSourceResponse now"
    table = "| name | suffix |\n|---|---|\n| alpaca | .json |"
    assert readable(table) == table  # a Markdown table is what its reader sees
    for text, kind in (("What should I know about [EventSourceResponse](https in starlette?", "link_syntax"),
                       ("It returns a :class:`Response`.", "rest_role"), ("Pass a ``dict``.", "rest_literal"),
                       ('See <a href="/x">the docs</a>.', "html_tag")):
        assert markup_residue(text)[0] == kind, text
    assert markup_residue("Wrap it in `<div>` and call `f()`.") is None  # inline code is code
    assert markup_residue("What is the 'd`Widget' page in Widget?")[0] == "stray_backtick"
    assert markup_residue("Released under the `Apache\nlicense <https://x.org>`_.")[0] == "stray_backtick"
    assert markup_residue("Run ``make`` or `make test`, then:\n\n```sh\necho `date`\n```\n")[0] == "rest_literal"
    assert markup_residue("Run `make test`, then:\n\n```sh\necho `date`\n```\n") is None  # code keeps its backticks


def test_numbered_and_page_roles_read_with_what_the_page_shows() -> None:
    assert readable("See :pep:`8`, :pep:`PEP 517` and {rfc}`7231#section-6`.") == "See PEP 8, PEP 517 and RFC 7231."
    # sphinx-issues' roles as its pages show them: "#987", never a bare 987
    assert readable("Fixed in :issue:`987`, :pr:`4`, :issue:`42,45` and :issue:`pypa/pip#12`.") == (
        "Fixed in #987, #4, #42, #45 and pypa/pip#12.")
    assert readable("See issue :issue:`42`, by :user:`ann` in :commit:`6bb9124d5e`.") == "See issue #42, by @ann in @6bb9124."
    assert readable(":commit:`sloria/konch@6bb9124d5e`, :cve:`CVE-2018-17175`, :cwe:`787`, :cwe:`CWE-787`") == (
        "sloria/konch@6bb9124, CVE-2018-17175, CWE-787, CWE-787")
    # a page named by its path, with no page to read its title from: its last part in words
    assert readable("Start with {doc}`tutorial/getting-started` or :ref:`install_guide`.") == (
        "Start with getting started or install guide.")
    assert readable(":doc:`Install it <install>` first.") == "Install it first."


def test_an_answer_that_speaks_of_its_source_text_points_at_what_the_reader_lacks() -> None:
    words = load_words("en")
    for citing in ("The section states that retries were added in version 2.19.0.",
                   "The release job is defined in the provided YAML code snippet.",
                   "As this passage says, the cache is per user."):
        assert answer_cites_source(citing, words) is not None, citing
    for answering in ("The documentation recommends pinning the version.",  # the project's docs, which exist
                      "Pass the given key to `get()`.", "The example below shows a retry loop.",
                      "A section of `pyproject.toml` states the members.",
                      "`textwrap.fill` wraps the given text to 70 columns.", "`has_option` checks the given section.",
                      "The context tells Click which command is running.", "The provided code is run in a subprocess.",
                      "Set it so:\n\n```toml\n[tool.x]\nline = 88\n```\n\nThe above configuration sets the line length.",
                      "Write `the section states` in a test name."):
        assert answer_cites_source(answering, words) is None, answering
    # with an input, "the given code" is that input
    assert answer_cites_source("The given code prints 3.", words, has_input=True) is None


def test_an_answer_pointing_back_at_an_example_it_never_showed_leans_on_the_source() -> None:
    words = load_words("en")
    for pointing in ("In the example above, workers collect tests in a different order.",
                     "The type of money in the output of the command above is Decimal.",
                     "We did not set the user agent in the previous example.",
                     "The callback defined in the `retry` example code snippet above is named `last`.",
                     "The example provided shows how to override the command on musllinux only."):
        assert answer_cites_source(pointing, words) is not None, pointing
    for answering in ("It decodes into types other than the defaults described above.",
                      "The console prints the output above the live display.",
                      "Python 3.10 and above are supported.",
                      "Run it:\n\n```sh\nmake\n```\n\nThe command above builds the wheel.",
                      "Set the option so the aforementioned loggers are cached.",
                      "The previous version dropped Python 3.8.", "Run the command given by `tox -l`.",
                      "The value provided is used as the default.", "Use the configuration given below:"):
        assert answer_cites_source(answering, words) is None, answering
    assert answer_cites_source("The example above prints 3.", words, has_input=True) is None  # the input is shown


def test_bold_and_a_links_bare_name_are_markup_in_a_pair() -> None:
    assert readable("You can **just use the same UUIDs** and `f(**kw)`.") == "You can just use the same UUIDs and `f(**kw)`."
    assert markup_residue("You can **just use the same UUIDs**.")[0] == "strong_emphasis"
    assert markup_residue("Open an issue on the [truststore GitHub issue tracker].")[0] == "bare_reference"
    assert readable("**bold `code` inside** here") == "bold `code` inside here"
    for prose in ("Pass **kwargs on to **options.", "Use list[int], requests[socks], [OPTIONS] or [default: 5].",
                  "Tick [x] and see [1].", "Call `f(**kw)` or `a[b]`.", "Set [tool.poetry], [mypy] or [project].",
                  "Press [Enter] or [Ctrl+C], answer [y/N], match [a-z] in ['a', 'b'] or f(a, b [, c]).",
                  "The area is pi*r**2, and 2**10 is 1024; x**2 + y**2 too."):
        assert markup_residue(prose) is None, prose
    assert readable("The area is pi*r**2, and 2**10 is 1024.") == "The area is pi*r**2, and 2**10 is 1024."


def test_attribute_lists_are_anchors_not_text() -> None:
    section = '## Startup events { #startup }\n\n![Logo](logo.png){ width="300" } Run it.\n\n```py\nx = {a=1}\n```'
    assert readable(section) == "## Startup events\n\nLogo Run it.\n\n```py\nx = {a=1}\n```"
    assert markup_residue("What are startup events { #startup } in FastAPI?")[0] == "attribute_list"
    assert markup_residue("See [the guide](guide.md){: .button } first.")[0] == "attribute_list"
    for prose in ("Pass a mapping {a=1} to it.", "Write {{ .Values.name }} in a template.", "A set {1, 2}",
                  "Anchor with `{ #id }` after a heading.", "Format it with {:.2f}", "Write `f(){ a=1 }` in JS."):
        assert markup_residue(prose) is None and readable(prose) == prose, prose


def test_damaged_identifier_case_and_template_grammar() -> None:
    for word in ("uRL", "hTMLResponse", "jSONResponse", "commaSeparatedStrings", "htmlresponse"):
        assert damaged_case(f"What should I know about {word} in Starlette?", CHUNK) == word
    assert damaged_case("What does `HTMLResponse` return in Starlette?", CHUNK) is None
    assert damaged_case("Responses come from Starlette (see https://www.Starlette.io/Responses).", CHUNK) is None
    assert damaged_case("What is hTML?", None) == "hTML"  # without a source: a first letter lowered
    assert damaged_case("Serve it with vLLM.", "Servers such as vLLM and TGI work.") is None  # as its source writes it
    sql = "CREATE TABLE user_order (id INTEGER PRIMARY KEY, FOREIGN KEY (user_id) REFERENCES user_account)"
    for english in ("What is the primary feature of Alembic?", "Which foreign key does the user_order table get?"):
        assert damaged_case(english, sql) is None, english  # a keyword in capitals is not a cased name
    assert damaged_case("What does the uRL class parse in Starlette?", CHUNK) == "uRL"
    assert template_grammar("What should I know about custom User-Agents? in requests?") is not None
    assert template_grammar("What is the the default port?") == "the the"
    assert template_grammar("What does `JSONResponse` return?") is None
    assert template_grammar("How is the review page protected on a shared machine, pairsmith?", "pairsmith")
    assert template_grammar("How is the review page of pairsmith protected?", "pairsmith") is None


def test_a_question_must_name_its_subject() -> None:
    for vague in ("What is the property?", "Is the dictionary special?", "What are the headers?",
                  "How is the list sorted?", "What is the first step in the installation process?"):
        assert unnamed_subject(vague, CHUNK), vague
    for named in ("What does `JSONResponse` return?", "Which response classes does Starlette include?",
                  "How do I keep a cookie for ten minutes with max_age?"):
        assert not unnamed_subject(named, CHUNK), named
    assert not unnamed_subject("How do I install widgetkit?", CHUNK, project="widgetkit")
    # with its project known, a question must say which project's client or schema it means
    assert unnamed_subject("How do I set a timeout on a client instance?", CHUNK, project="HTTPX")
    assert unnamed_subject("Which response classes does a Starlette app use?", CHUNK, project="Starlite")
    assert not unnamed_subject("How do I set a timeout on an httpx.Client?", CHUNK, project="HTTPX")
    assert not unnamed_subject("What does the Response class in Starlette do?", CHUNK, project="starlette")


def test_a_question_that_points_at_its_source_is_caught() -> None:
    words = load_words("en")
    for pointing in ("What must you do with a Secret according to the documentation provided?",
                     "What does the given text say about Starlette cookies?",
                     "Which classes are described in the section on Starlette responses?",
                     "What is the purpose of the fixture in the given code snippet in Starlette?",
                     "What is the main purpose of the example provided about structuring apps in Starlette?",
                     "What is the main purpose of this section in the documentation about Starlette?",
                     "What is the dictionary in the response headers section of the Starlette documentation?",
                     "Which settings does the deployment chapter of the guide list for Starlette?",
                     "Does a second run ask again, based on the information provided in the text about Starlette?",
                     "What happens to a restarted server, according  Starlette's documentation?",
                     "What happens when a Starlette server restarts, as per the documentation for Starlette?",
                     "What is the default timeout, according to the Starlette documentation?",
                     "What does a restart do, according Starlette docs?",
                     "Why is a frozen class hashable, as mentioned in the documentation for Starlette?",
                     "What does the `log` call do in the example code provided in the Starlette docs?",
                     "What does the section say about how decisions are applied in Starlette?",
                     "What command does the section suggest to run Starlette behind a proxy?",
                     "Why does the documentation recommend a lifespan handler in Starlette?",
                     "What does the Starlette documentation recommend for sessions?",
                     "How long does a restart take, according to the given information about Starlette?",
                     "What do the docs state about Starlette's default timeout?",
                     "What is the purpose of the section on highlighting active menu items in Starlette?",
                     "What is the section that explains how to add a route in Starlette?",
                     "What happens when training resumes, according to the training's `starlette` documentation?",
                     "What does `HTMLResponse` return in the Starlette documentation?",
                     "How is a response class named in the documentation for Starlette?",
                     "What is the limit of one call, according to the given `starlette` documentation?"):
        assert source_reference(pointing, words) is not None, pointing
    assert source_reference("What does Starlette do here, as per the documentation?", words, has_input=True)
    for ordinary in (
            "Which response classes does Starlette include?",
            "Which middleware does the Starlette router recommend for sessions?",
            "Which file does Starlette write when it builds the documentation?",
            "Which sessions are listed in the output of Starlette's test command?",
            # the docs as what the question is about: what they hold, or how they are made
            "Which folder holds the sources of the docs site of Starlette?", "How do I install the docs extras of Starlette?",
            "How do I fix a typo in the documentation of Starlette?", "Which Sphinx extensions are enabled in the Starlette docs?",
            "How are type hints rendered in the API documentation of Starlette?",
            "Are there any step-by-step tutorials in the Starlette documentation?",
            "Is there a changelog section in the documentation of Starlette?",
            "What is the purpose of the Error Handling documentation in Starlette?",
            # a section or context of the project's own is a subject, not the text the pair came from
            "Which keys are listed in the tool.starlette section of pyproject.toml?",
            "What variables are provided in the Starlette template context?",
            "What does Starlette render according to the template context?",
            "Does Starlette log each request as per the logging level?",
            "How do I add a new section to the docs with Starlette's site builder?", "How does Starlette parse this header?",
            "What information does Starlette log for each request?",
            "Which keys go in the section that configures Starlette in pyproject.toml?",
            "What does the [starlette] section that sets the port contain?",
            "What does Starlette's error page say when a route is missing?"):
        assert source_reference(ordinary, words) is None, ordinary
    for ordinary in ("Does Starlette format code according to the PEP 8 style guide?",
                     "How do I get the paragraph that contains a table with Starlette?",
                     "Which keys go in the section named tool.starlette in pyproject?",
                     "How do I update the context state in Starlette?",
                     "What is the information provided by the OAuth server to Starlette, and how is this information refreshed?"):
        assert source_reference(ordinary, words) is None, ordinary
    # the section the pair came from named by its own heading, or as "the documentation section on X"
    assert source_reference("What happens on a 429 in the configuration section of Starlette?", words,
                            headings=["Starlette", "Configuration"]) == "the configuration section"
    assert source_reference("What happens on a 429 in the configuration section of Starlette?", words,
                            headings=["Starlette", "Retries"]) is None
    assert source_reference("What is the `--workers` option in the configuration section of Starlette?", words,
                            headings=["Configuration", "Workers"]) == "the configuration section"
    assert source_reference("Which keys go in the `[tool.starlette]` section?", words, headings=["tool.starlette"]) is None
    assert source_reference("What does the documentation section on Starlette explain about caching?", words)
    # "this" that points back at a noun of the question itself points at nothing outside it
    assert source_reference("What is a request context in Starlette, and when is this context created?", words) is None
    assert source_reference("What does the following code print with Starlette?", words) is None
    # a text named by what it is ("the code snippet"), unless the question named it first or it is a thing of the project's
    assert source_reference("What does the code snippet do when the user runs a Starlette app?", words) == "does the code snippet"
    assert source_reference("Which route is defined in the excerpt, in Starlette?", words) == "in the excerpt"
    assert source_reference("How do I save a snippet in Starlette's editor and share the snippet?", words) is None
    assert source_reference("What is the name of the snippet file Starlette writes?", words) is None
    assert source_reference("What is the excerpt length of a Starlette search result?", words) is None
    assert source_reference("What marks the end of the excerpt in a Starlette page?", words) is None
    assert source_reference("How do I set the prefix of the snippet in Starlette's editor?", words) is None
    # with an input, "the given code" and "this snippet" are that input, which the reader has
    assert source_reference("What does the given code snippet print in Starlette?", words, has_input=True) is None
    assert source_reference("What does this snippet print in Starlette?", words, has_input=True) is None


def test_the_naming_pattern_holds_the_project_inside_one_question() -> None:
    pattern = re.compile(naming_pattern("HTTPX"))
    for named in ("How do I set a timeout in HTTPX?", "Explain what httpx.Client does.",
                  "Does httpx verify certificates by default?"):
        assert pattern.match(named), named
    for bad in ("How do I set a timeout?", "What is a timeout? How does HTTPX use it?", 'What is "HTTPX"?', "a" * 130 + " HTTPX?",
                "How does aHTTPX work?", "What is HTTPXY?",
                "Name HTTPX\nin two lines"):
        assert not pattern.match(bad), bad
    schema = evidenced_pairs_schema(3, "HTTPX")
    assert schema["properties"]["pairs"]["items"]["properties"]["instruction"]["pattern"] == naming_pattern("HTTPX")
    assert "pattern" not in evidenced_pairs_schema(3)["properties"]["pairs"]["items"]["properties"]["instruction"]


def test_a_command_in_code_must_stand_on_one_line_of_the_chunk() -> None:
    """`lumen --dry-run` made of "--dry-run" (the chunk) and "lumen" (the question) is no command the
    docs give; one written over continued shell lines, or with an extra flag in between, is."""
    chunk = ("## Dry runs\n\nPass `--dry-run` to print the prompts.\n\n```\n$ lumen build \\\n    --wheel \\\n"
             "    -C--opt=release\n$ pip install -U lumen\n```\n")
    known = f"{chunk}\nHow do I use the `--dry-run` option in lumen?\n"
    assert unsupported_facts("Run `lumen --dry-run`.", known, chunk) == ["lumen --dry-run"]
    assert unsupported_facts("Run `lumen --dry-run`.", known) == []  # without the chunk apart: words only
    for given in ("Run `lumen build --wheel -C--opt=release`.", "Run `pip install lumen`.", "Pass `--dry-run`."):
        assert unsupported_facts(given, known, chunk) == [], given


def test_changed_facts_are_flagged_with_their_span() -> None:
    genuine = "Set `max_age` to 600 to keep the cookie for ten minutes."
    assert unsupported_facts(genuine, CHUNK) == []
    assert unsupported_facts("Set `max_age` to 900 to keep the cookie.", CHUNK) == ["900"]
    assert unsupported_facts("`HTMLResponse` returns a `TextResponse`.", CHUNK) == ["TextResponse"]
    assert unsupported_facts("Pass `timeout=20` to `JSONResponse`.", CHUNK) == ["timeout=20"]
    assert unsupported_facts("Use the `requests.json` decoder.", "Call `r.json()` to decode requests.") == ["requests.json"]
    assert "Python" in answer_facts("Since Python 2.7 it includes SNI.")
    assert flipped("There is a default timeout.", CHUNK) is not None
    assert flipped("`HTMLResponse` does not return an HTML response.", CHUNK) is not None
    assert flipped("`HTMLResponse` returns an HTML response.", CHUNK) is None
    assert evidence_in_source("There is no default timeout", CHUNK)
    assert not evidence_in_source("The default timeout is twenty seconds for every request", CHUNK)


def test_a_default_merits_or_examples_the_section_never_names_are_presumed() -> None:
    from moderation.steps.supported import presumed

    words = load_words("en")
    section = "`get_source_link(filepath, lineno, endlineno)` returns the URL of a file's lines on the forge."
    assert presumed("What is the default value of `filepath` in `get_source_link`?", "It is `None`.",
                    section, words) == ("default", "default")
    assert presumed("What does `get_source_link` return?", "`None` by default.", section, words) == ("default", "default")
    assert presumed("What are the benefits of `get_source_link`?", "It returns a URL.", section, words) == ("merit", "benefits")
    assert presumed("What are some examples of forges `get_source_link` knows?", "GitHub.", section, words) == (
        "example", "examples")
    assert presumed("What does `get_source_link` return?", "The URL of the file's lines.", section, words) is None
    assert presumed("What does `get_source_link` return?", "A URL, for example https://x.org/a#L3.", section, words) is None
    named = section + " The forge defaults to GitHub, e.g. for public repositories; a benefit is speed."
    for question in ("What is the default forge of `get_source_link`?", "Give an example of a forge.",
                     "What is the advantage of `get_source_link`?"):  # the section speaks of them: the pair may
        assert presumed(question, "GitHub.", named, words) is None, question


def test_a_flip_is_read_clause_by_clause_as_the_reader_reads_the_source() -> None:
    wrapped = ("Note that any dictionary key whose value is `None` will not be added to the\n"
               "URL's query string.\n")
    assert flipped("The key will not be added to the URL's query string.", wrapped) is None
    assert flipped("The key will be added to the URL's query string.", wrapped) is not None
    conditional = "An exception is raised if the server has not answered for `timeout` seconds.\n"
    assert flipped("A `Timeout` exception is raised.", conditional) is None  # the negation is the condition's
    assert flipped("No exception is raised.", conditional) is not None
    code = "Tenacity does not stop after an attempt fails.\n"
    assert flipped("Use `@retry(stop=stop_after_attempt(7))`.", code) is None  # the span's "(" is code
    assert flipped("Write `{% if not loop.last %}` to add a comma between items.",
                   "Starlette can add a comma between items.\n") is None  # so are its "if" and "not"
    # "installs" and "install" are one word: a flipped second half of a sentence is still found
    assert flipped("Starlette creates a virtual environment and does not install the package.",
                   "Starlette creates a virtual environment and installs the package.\n") is not None
    assert flipped("The default is\n-1 for no limit.", "The default is\n-1 for no limit.\n") is None
    assert flipped("The header does not exist.", "HTTP header names are case-insensitive.\n") is None  # one word shared
    # a short answer clause inside a long source clause of another meaning shares too little of it
    assert flipped("The data will be sent as form-encoded data.",
                   "There are times that you may want to send data that is not form-encoded.\n") is None


def test_every_pair_goes_through_the_checks_whatever_made_it(tmp_path: Path) -> None:
    """No generator method is exempt: a pair marked as read off structure is checked like any."""
    doc = tmp_path / "docs" / "responses.md"
    doc.parent.mkdir()
    doc.write_text(CHUNK, encoding="utf-8")
    source = {"path": str(doc), "lines": [1, CHUNK.count("\n")], "headings": ["Responses"]}
    rows = [("What should I know about uRL in Starlette?", "The `URL` class parses a URL string."),
            ("What is the property?", "It parses a URL string."),
            ("How long does Starlette keep a cookie with `max_age` set to 600?", "Starlette keeps it for 20 minutes."),
            ("What does `HTMLResponse` return in Starlette?",
             "`HTMLResponse` takes some text or bytes and returns an HTML response.")]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"instruction": q, "input": "", "output": a, "source": source,
                                         "generator": {"method": "structure:section"}}) + "\n"
                             for q, a in rows), encoding="utf-8")
    cfg = ModerationConfig()
    for section in ("semantic", "near", "grounding", "relevance", "judged"):
        getattr(cfg, section).enabled = False
    moderate(pairs, tmp_path / "curated.jsonl", config=cfg)
    kept = [json.loads(l)["instruction"] for l in (tmp_path / "curated.jsonl").read_text().splitlines()]
    dropped = {json.loads(l)["instruction"]: json.loads(l)["moderation"]["evidence"][0]
               for l in (tmp_path / "curated.rejects.jsonl").read_text().splitlines()}
    assert kept == [rows[3][0]]
    assert dropped[rows[0][0]]["rule"] == "damaged_case" and dropped[rows[0][0]]["match"] == "uRL"
    assert dropped[rows[1][0]]["rule"] == "unnamed_subject"
    assert dropped[rows[2][0]]["rule"] == "unsupported_fact" and "20" in dropped[rows[2][0]]["match"]


def test_evidence_the_chunk_lacks_is_checked_only_when_asked(tmp_path: Path) -> None:
    """The evidence is the teacher's scaffolding, not part of the pair: by default the answer is
    checked and the evidence is not; `supported.evidence` drops a pair whose evidence is not a quote."""
    doc = tmp_path / "docs" / "responses.md"
    doc.parent.mkdir()
    doc.write_text(CHUNK, encoding="utf-8")
    source = {"path": str(doc), "lines": [1, CHUNK.count("\n")], "headings": ["Responses"]}
    generator = {"method": "model", "evidence": "The section shows how Starlette builds its responses."}
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"instruction": "What does `HTMLResponse` return in Starlette?", "input": "",
                                 "output": "`HTMLResponse` takes some text or bytes and returns an HTML response.",
                                 "source": source, "generator": generator}) + "\n", encoding="utf-8")
    outcomes = {}
    for evidence in (False, True):
        cfg = ModerationConfig()
        for section in ("semantic", "near", "grounding", "relevance", "judged"):
            getattr(cfg, section).enabled = False
        cfg.supported.evidence = evidence
        out = tmp_path / f"curated-{evidence}.jsonl"
        moderate(pairs, out, config=cfg)
        rejected = [json.loads(l)["moderation"]["evidence"][0]["rule"]
                    for l in out.with_name(out.stem + ".rejects.jsonl").read_text().splitlines()]
        outcomes[evidence] = (len(out.read_text().splitlines()), rejected)
    assert ModerationConfig().supported.evidence is False
    assert outcomes == {False: (1, []), True: (0, ["evidence_not_in_source"])}


def test_the_runs_project_is_a_name_every_check_knows(tmp_path: Path) -> None:
    """A question naming the project the run named passes the name checks even where its chunk never
    says it; one that leaves the project out is dropped as unnamed."""
    doc = tmp_path / "docs" / "responses.md"
    doc.parent.mkdir()
    doc.write_text(CHUNK.replace("Starlette", "The library"), encoding="utf-8")
    source = {"path": str(doc), "lines": [1, CHUNK.count("\n")], "headings": ["Responses"]}
    generator = {"method": "model", "params": {"project": "Lumen"}}
    rows = [("What does `HTMLResponse` return in Lumen?",
             "`HTMLResponse` takes some text or bytes and returns an HTML response."),
            ("What does `JSONResponse` return?", "`JSONResponse` takes some data and returns an `application/json` "
                                                 "encoded response.")]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"instruction": q, "input": "", "output": a, "source": source,
                                         "generator": generator}) + "\n" for q, a in rows), encoding="utf-8")
    cfg = ModerationConfig()
    for section in ("semantic", "near", "grounding", "relevance", "judged"):
        getattr(cfg, section).enabled = False
    moderate(pairs, tmp_path / "curated.jsonl", config=cfg)
    kept = [json.loads(l)["instruction"] for l in (tmp_path / "curated.jsonl").read_text().splitlines()]
    dropped = {json.loads(l)["instruction"]: json.loads(l)["moderation"]["evidence"][0]["rule"]
               for l in (tmp_path / "curated.rejects.jsonl").read_text().splitlines()}
    assert kept == [rows[0][0]] and dropped == {rows[1][0]: "unnamed_subject"}


def test_the_project_name_is_taken_out_before_questions_are_compared() -> None:
    """Relevance compares a question with texts by meaning; the run's project name, in every question,
    must not pull it towards whatever passage happens to say the name."""
    assert without_project("What does Lumen's `URL` class parse in lumen?", "Lumen") == "What does `URL` class parse in ?"
    assert without_project("How is lumen-extra installed?", "lumen") == "How is lumen-extra installed?"
    assert without_project("What does Lumen do?", None) == "What does Lumen do?"
    assert names_project("How does `lumen.Client` retry?", "Lumen")
    assert not names_project("How does illumen retry?", "Lumen")
    # a package named after the project names it too
    assert names_project("Which flows does `lumen-oauth` handle?", "Lumen")
    assert names_project("How does pytest-lumen start a server?", "Lumen")


def test_a_capitalised_project_named_by_an_english_word_is_named_in_lower_case_only_as_code() -> None:
    """Beacon is spelled with a capital; "beacon" in lower case is the English word unless it is code."""
    assert names_project("How does Beacon retry?", "Beacon")
    assert not names_project("What is a radio beacon for?", "Beacon")
    for as_code in ("What does `beacon.send()` return?", "What does beacon.send() return?",
                    "Which version does pip install beacon pick?", "How is the beacon library configured?"):
        assert names_project(as_code, "Beacon"), as_code
    # a project spelled in lower case is named in lower case
    assert names_project("How does lumen retry?", "lumen")


def test_a_lower_case_project_named_by_a_common_word_is_named_only_where_the_word_cannot_be_meant() -> None:
    """A project called "build" or "black": "build tools" and "... in build?" are the English word; code,
    "the build tool" or "install build" name the project. A name that is no common word ("pip",
    "lumen") is named by every spelling."""
    for english in ("What are the main differences between build tools?", "What is the first step to using build?",
                    "What is the modern equivalent of `setup.py sdist` in build?"):
        assert not names_project(english, "build"), english
    for named in ("What does the `build` command do?", "Which Python versions does the build tool support?",
                  "How can a user install build with uv?", "What does `python -m build` write?"):
        assert names_project(named, "build"), named
    assert names_project("How do I upgrade pip?", "pip")
    assert template_grammar("How do packages list their extras for build?", "build") is None  # the verb, not a name


def test_a_question_about_a_name_only_the_example_defines_is_dropped(tmp_path: Path) -> None:
    """`UserSchema` is made up by the chunk's example: a reader of the pair alone cannot know it. The
    library's own name in the same chunk may be asked about; with the example as input, so may its class."""
    chunk = ("# Nesting schemas\n\nA schema can hold another one with `fields.Nested`:\n\n```python\n"
             "class UserSchema(Schema):\n    name = fields.Str()\n\n\ndef make_user(data):\n    return User(**data)\n```\n")
    doc = tmp_path / "nesting.md"
    doc.write_text(chunk, encoding="utf-8")
    source = {"path": str(doc), "lines": [1, chunk.count("\n")]}
    example = "class UserSchema(Schema):\n    name = fields.Str()"
    rows = [("How does Lumen nest `UserSchema` inside another schema?", "", "With `fields.Nested`."),
            ("What does `make_user()` return in Lumen?", "", "A `User` built from the data."),
            ("How does Lumen nest one schema inside another?", "", "A schema holds another one with `fields.Nested`."),
            ("How would Lumen nest this `UserSchema` inside another schema?", example, "With `fields.Nested`.")]
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"instruction": q, "input": i, "output": a, "source": source,
                                         "generator": {"method": "model", "params": {"project": "Lumen"}}}) + "\n"
                             for q, i, a in rows), encoding="utf-8")
    cfg = ModerationConfig()
    for section in ("semantic", "near", "grounding", "relevance", "judged", "supported"):
        getattr(cfg, section).enabled = False
    moderate(pairs, tmp_path / "curated.jsonl", config=cfg)
    dropped = {json.loads(l)["instruction"]: json.loads(l)["moderation"]["evidence"][0]
               for l in (tmp_path / "curated.rejects.jsonl").read_text().splitlines()}
    assert {q: e["rule"] for q, e in dropped.items()} == {rows[0][0]: "example_subject", rows[1][0]: "example_subject"}
    assert dropped[rows[0][0]]["match"] == "UserSchema"


def test_a_name_the_prose_names_is_the_projects_even_where_the_example_defines_it() -> None:
    """An example implements a hook the page names ("use the `on_function_instance` hook"): the hook
    is the project's; the example's own class is made up."""
    from moderation.steps.question_form import defined_in_examples, example_subject

    chunk = ("# Decorators\n\nFor the example, let's use the `on_function_instance` hook.\n\n```python\n"
             "class MyExtension(lumen.Extension):\n    def on_function_instance(self, func):\n        pass\n```\n")
    assert defined_in_examples(chunk) == {"MyExtension"}
    assert example_subject("What does the `on_function_instance` hook of Lumen receive?", chunk) == []
    assert example_subject("What does `MyExtension` do in Lumen?", chunk) == ["MyExtension"]


def test_a_project_name_tacked_onto_a_finished_question_is_template_grammar() -> None:
    """A grammar that makes every question name the project lets a model glue the name to the end;
    where it belongs to the sentence (after a preposition, a verb taking it, an -ing form) it stays."""
    glued = ["How does caching change the startup time Lumen?", "Which options does the parser accept, Lumen?",
             "What is stored in the SQLite db `lumen`?", "How is a token checked, and how does it Lumen?",
             "What is the default port if the flag is not Lumen?",
             "What is the command to fetch a page and keep the reply in a variable, as Lumen does?",
             "How can you customize the messages produced by the `format_error` helper, `lumen`, by a custom function?",
             "What is the purpose of the `--hash` flag when using hash-checking mode in `pip` (Lumen)?",
             "Which packages are pinned in the file compiled from `pyproject.toml` as Lumen?"]
    fine = ["How are retries configured in Lumen?", "How do I install Lumen?", "Is a GPU needed for running Lumen?",
            "What is the default timeout used by Lumen?", "How does Lumen's parser treat tabs?", "What is Lumen?",
            "Which web frameworks work with Flask and Lumen?", "Does Lumen cache replies as a proxy does?",
            "How do I serve HTTPS locally with trustme, Lumen, and Uvicorn?", "How do I, in Lumen, set a port?",
            "Which of Flask, Lumen, Django serve static files?", "Which tool is known as Lumen?",
            "Can I install the package and use it the same as Lumen?", "What does the flag (`--lumen`) do in Lumen?",
            "How is Lumen (the library) configured?"]
    assert all(template_grammar(q, "Lumen") for q in glued), [q for q in glued if not template_grammar(q, "Lumen")]
    assert not [q for q in fine if template_grammar(q, "Lumen")]
    # a project named by an English word: bare and in lower case, the word is the sentence's own noun
    assert template_grammar("How does Beacon decode the body of non-text beacon?", "Beacon") is None
    assert template_grammar("How does this change the body Beacon?", "Beacon")
    assert template_grammar("How does this change the body lumen?", "lumen")  # a name spelled in lower case
    # ... unless that name is a common English word too: then the bare word is the word, and the
    # question does not name the project (unnamed_subject drops it)
    assert template_grammar("How does this change the body beacon?", "beacon") is None
    assert not names_project("How does this change the body beacon?", "beacon")
    # "..., as Lumen does?" ends on the name the grammar asked for, a comparison with another project too
    assert template_grammar("Can Flask stream a response, as Lumen does?", "Lumen")
    assert template_grammar("Does a session retry failed downloads, as beacon does?", "Beacon") is None


def test_a_question_that_asks_two_goes_to_a_person(tmp_path: Path) -> None:
    """Two questions joined by "and" after a clause often get half an answer: such a pair is sent to
    review with the second question as evidence; one question about two things, or a request, is not."""
    from moderation.steps.question_form import two_questions

    assert two_questions("Where are Lumen's review decisions saved, and how are they stored?") == "and how are they stored?"
    assert two_questions("Which formats does Lumen read and which does it write?") == "and which does it write?"
    for one in ("How do I install and run Lumen?", "What is the difference between read and write timeouts in Lumen?",
                "Explain Lumen's cache and how it is keyed.", "Is Lumen fast and is it safe?"):
        assert two_questions(one) is None, one
    rows = [{"instruction": "Where are Lumen's review decisions saved, and how are they stored?",
             "output": "Lumen saves review decisions in reviews.jsonl beside the reviewed file, one JSON line each."},
            {"instruction": "Where does Lumen save review decisions?",
             "output": "Lumen saves review decisions in reviews.jsonl beside the reviewed file, one JSON line each."}]
    decided = _decisions_by_rules(rows, tmp_path)
    assert decided[rows[0]["instruction"]]["decision"] == "review"
    assert decided[rows[0]["instruction"]]["reasons"][0].startswith("question_form:two_questions")
    assert decided[rows[1]["instruction"]]["decision"] == "keep", decided[rows[1]["instruction"]]


def test_a_question_that_names_its_project_only_far_in_goes_to_a_person(tmp_path: Path) -> None:
    """Generation's grammar makes a question name its project within NAME_WITHIN characters; a name
    first said at that bound was put there by force ("... adding new Lumen packages?"): review."""
    from pairsmith.core.reply_schemas import NAME_WITHIN
    from pairsmith.core.textmetrics import project_name_position

    late = ("What options does the `dep-compile` command provide to resolve the dependencies afresh when "
            "upgrading the packages or adding new Lumen packages?")
    early = "What options does Lumen's `dep-compile` command provide to resolve the dependencies afresh?"
    assert project_name_position(late, "Lumen") >= NAME_WITHIN - 2 > project_name_position(early, "Lumen")
    assert project_name_position("What is it?", "Lumen") is None
    generator = {"params": {"project": "Lumen"}}
    answer = "It provides `--upgrade`, which resolves every package afresh, and `--upgrade-package NAME` for one."
    rows = [{"instruction": q, "output": answer, "generator": generator} for q in (late, early)]
    decided = _decisions_by_rules(rows, tmp_path)
    assert decided[late]["decision"] == "review" and decided[late]["reasons"][0].startswith("question_form:late_name")
    assert decided[early]["decision"] == "keep", decided[early]
    assert ModerationConfig().question_form.late_name == NAME_WITHIN - 2


def test_the_prompts_own_words_copied_into_a_pair_are_a_template_echo(tmp_path: Path) -> None:
    made = {"template": "pairs_from_section@3", "params": {"project": "Starlette"}}
    rows = [{"instruction": "How does `HTMLResponse` return HTML in Starlette, as a user of Starlette would ask it?",
             "output": "`HTMLResponse` takes some text or bytes and returns an HTML response.", "generator": made},
            {"instruction": "How can a user of Starlette return HTML?",
             "output": "`HTMLResponse` takes some text or bytes and returns an HTML response.", "generator": made},
            {"instruction": "What does `JSONResponse` return in Starlette?",
             "output": "It returns an `application/json` encoded response, answered by the documentation section below alone.",
             "generator": made},
            {"instruction": "Which class returns plain text, as a user Starlette would ask?",  # "of" left out
             "output": "`PlainTextResponse` takes some text or bytes and returns a plain text response.", "generator": made}]
    for r in rows:
        r["source"] = {"path": "responses.md", "chunk": "c1", "text": CHUNK}
    decided = _decisions_by_rules(rows, tmp_path)
    assert decided[rows[0]["instruction"]]["reasons"][0].startswith("question_form:template_echo")
    assert decided[rows[1]["instruction"]]["decision"] == "keep", decided[rows[1]["instruction"]]  # four words: English
    assert decided[rows[2]["instruction"]]["reasons"][0].startswith("question_form:template_echo")
    assert decided[rows[3]["instruction"]]["reasons"][0].startswith("question_form:template_echo")


def test_a_short_answer_the_chunk_says_is_grounded_and_not_outrun_by_its_own_sentence(tmp_path: Path) -> None:
    """"None" or a method's name means little to an embedding; said word for word by the chunk, it is
    the chunk's own answer: grounding passes it, and the sentence that says it is not its rival."""
    from pairsmith.core.textmetrics import said_in

    assert said_in("None", "it returns ``None``.") and not said_in("None", "Nonetheless, it retries.")
    assert said_in("lumen.codes", "A lookup object, lumen.codes.ok, names each code.") and not said_in("", "x")
    chunk = ("## Status codes\n\nLumen also comes with a built-in status code lookup object for easy reference: "
             "`lumen.codes`. A bad response can be raised as an error with `Response.raise_for_status()`, which "
             "returns None when the status code is 200.\n\nRedirects are followed for every verb except HEAD.\n")
    rows = [("What is the name of Lumen's built-in status code lookup object?", "lumen.codes"),
            ("What does Lumen's `raise_for_status()` return for a 200 response?", "None"),
            ("Which verb does Lumen not follow redirects for?", "HEAD"),
            ("How long should Lumen's bread dough rise?", "Let the dough rise in a warm kitchen for about two hours "
                                                          "until it has doubled, then knead it again.")]
    source = {"text": chunk, "chunk": "c1"}
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text("".join(json.dumps({"instruction": q, "input": "", "output": a, "source": source,
                                         "generator": {"method": "model", "params": {"project": "Lumen"}}}) + "\n"
                             for q, a in rows), encoding="utf-8")
    cfg = ModerationConfig()
    for section in ("semantic", "near", "judged", "supported", "rules", "answer_form", "question_form", "clean_text"):
        getattr(cfg, section).enabled = False
    moderate(pairs, tmp_path / "curated.jsonl", config=cfg)
    kept = {json.loads(l)["instruction"]: json.loads(l)["moderation"]
            for l in (tmp_path / "curated.jsonl").read_text().splitlines()}
    for question, answer in rows[:3]:
        assert kept[question]["decision"] == "keep", (question, kept[question])
        assert kept[question]["checks"]["grounding"]["score"] == 1.0
    dropped = [json.loads(l) for l in (tmp_path / "curated.rejects.jsonl").read_text().splitlines()]
    assert [r["instruction"] for r in dropped] == [rows[3][0]]


def test_an_answer_that_says_the_question_back_is_dropped_unless_it_adds_a_fact(tmp_path: Path) -> None:
    """"Can X do Y?" -> "Yes, X can do Y." says nothing; "What is the name of X?" -> "The name of X is
    `x.y()`." says the question back too, and then answers it with the name it asked for."""
    rows = [{"instruction": "Is the Lumen cache shared by every run?", "output": "Yes, the Lumen cache is shared by every run."},
            {"instruction": "What is the name of the lookup object for status codes in Lumen?",
             "output": "The name of the lookup object for status codes in Lumen is `lumen.codes`."},
            {"instruction": "What is the default port of the Lumen server?", "output": "The default port of the Lumen server is 8080."}]
    decided = _decisions_by_rules(rows, tmp_path)
    assert decided[rows[0]["instruction"]]["reasons"][0].startswith("pair_checks:answer_restates_question")
    for answered in rows[1:]:
        assert decided[answered["instruction"]]["decision"] == "keep", decided[answered["instruction"]]


def test_an_answer_with_no_word_or_fact_the_question_lacks_is_dropped(tmp_path: Path) -> None:
    """"What does Lumen render for a list?" -> "It renders that list as a list." adds nothing, however
    it is worded; a name the question says only as a word, a new word or a yes answers it."""
    rows = [{"instruction": "What type of output does Lumen render when it encounters a list in a template?",
             "output": "When Lumen encounters a list in a template, it renders that list as a list."},
            {"instruction": "How can the `scratch` fixture be used to create a temporary file in a Lumen test?",
             "output": "The `scratch` fixture can be used to create temporary files using the `scratch` fixture in a Lumen test."},
            {"instruction": "What is the name of the parameter used to send cookies in Lumen?",
             "output": "The parameter used to send cookies in Lumen is `cookies`."},
            {"instruction": "What does Lumen render when it encounters a list in a template?",
             "output": "When Lumen encounters a list in a template, it renders each item on its own line."},
            {"instruction": "Does Lumen render a list in a template?", "output": "Yes, Lumen renders a list in a template."},
            # answered by words the question has: a yes-no question, a choice, a negation, an input quoted
            {"instruction": "Does Lumen support HTTP/3?", "output": "Lumen supports HTTP/3."},
            {"instruction": "Is the `timeout` parameter of a Lumen client required or optional?",
             "output": "The `timeout` parameter of a Lumen client is optional."},
            {"instruction": "What happens to a list that Lumen encounters in a template?",
             "output": "A list that Lumen encounters in a template does not render."},
            {"instruction": "Which option in this Lumen config sets the port?", "input": "port = 8080",
             "output": "The port option sets the port."}]
    decided = _decisions_by_rules(rows, tmp_path)
    for said_back in rows[:2]:
        assert decided[said_back["instruction"]]["reasons"][0].startswith("pair_checks:answer_adds_nothing"), decided
    for answered in rows[2:4]:
        assert decided[answered["instruction"]]["decision"] == "keep", decided[answered["instruction"]]
    for answered in rows[4:]:
        assert not any("answer_adds_nothing" in r for r in decided[answered["instruction"]]["reasons"]), answered
    assert added_words("Which files does Lumen render?", "Lumen renders the files it is given.") == {"given"}


def test_a_letter_of_a_script_the_source_never_uses_is_a_slip() -> None:
    source = "Use `trustme` to make certificates for a local server. Greek α is fine; so is café."
    assert foreign_letters("How do I use the `trustme`库 with Lumen?", source) == "库"
    assert foreign_letters("What is Сервер in Lumen?", source) == "С"
    for fine in ("How does Lumen make a café certificate?", "What does α mean in Lumen?", "How do I use `trustme`?"):
        assert foreign_letters(fine, source) is None
    assert foreign_letters("Was bedeutet 日本 in Lumen?", "Lumen spricht 日本語.") is None  # the source uses it
    for symbol in ("ℓ", "𝑥", "ʼ", "ℹ", "Ａ"):  # letter-like symbols are no language
        assert foreign_letters(f"What does {symbol} mean in Lumen?", source) is None, symbol


def test_a_list_number_copied_in_front_of_an_answer_is_residue() -> None:
    """A model that copies one item of a numbered list keeps its "1." in front of a text that is no
    list; a real list, a flag and a number inside the sentence are not residue."""
    stray = ["1. `default=UNSET` is treated as if no default was passed.", "2) For a bare flag, the default is off.",
             "\n3. Last declared wins."]
    fine = ["1. Install the package.\n2. Run `lumen init`.", "-v enables verbose output.",
            "Use version 1. or later.", "The steps are:\n1. build\n2. test", "3.12 is the newest version supported.",
            "1. Install the package. 2. Import it. 3. Call `run()`.", "- name: Install lumen\n  run: pip install lumen",
            "- timeout = 30\n+ timeout = 60", "- The cache is kept per user.", "2 seconds.", "1.5 is the default."]
    assert all(markup_residue(t) == ("stray_list_marker", t.split()[0]) for t in stray), [markup_residue(t) for t in stray]
    assert not [t for t in fine if markup_residue(t)]
