"""Generation runs end to end against the local server: resume, rejects, re-asks, self-instruct."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from alpaca_gen.run import collect_chunks, dry_run
from alpaca_gen.generate import generate
from alpaca_gen.options import GenerateOptions, build_strategy
from tests.conftest import ROOT, TEST_DATA
from tests.openai_server import OpenAIStub, Reply, llama_cpp_refusal, openai_refusal, prompt_of, section_of


def pair_reply(body: dict) -> str:
    """Two pairs that quote the chunk's first line, so each chunk gives distinct pairs."""
    line = next(l for l in section_of(body).splitlines() if l.strip())[:60]
    return "<think>Let me look.</think>```json\n" + json.dumps({"pairs": [
        {"instruction": f"What does this say: {line}?", "input": "", "output": f"It says {line}."},
        {"instruction": f"Summarise: {line}", "input": line, "output": f"Summary of {line}."}]}) + "\n```"


def options(server: OpenAIStub, docs: Path, out: Path, **extra) -> GenerateOptions:
    settings = {"concurrency": 4, **extra}
    return GenerateOptions(paths=[str(docs)], out=str(out), model="stub-model", base_url=server.base_url,
                           api_key="sk-do-not-leak", **settings)


def lines(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines()]


def test_pairs_carry_provenance_and_usage(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = pair_reply
    out = tmp_path / "pairs.jsonl"
    summary = generate(options(openai_server, docs, out))
    records = lines(out)
    assert summary.pairs_written == len(records) == 2 * summary.units
    assert summary.files_read == 2 and summary.rejects_written == 0
    first = records[0]
    assert list(first)[:4] == ["id", "instruction", "input", "output"]
    assert first["source"]["path"].endswith(".md") or first["source"]["path"].endswith(".rst")
    assert first["source"]["chunk"].startswith("c_") and len(first["source"]["lines"]) == 2
    gen = first["generator"]
    assert gen["backend"] == "openai" and gen["model"] == "stub-model" and gen["template"] == "pairs_from_section@3"
    assert gen["usage"]["prompt_tokens"] == 10 and gen["params"]["temperature"] == 0.2
    assert gen["response_format"] == "json_schema"
    assert summary.prompt_tokens == 10 * summary.model_calls


def three_evidenced_pairs(body: dict) -> str:
    """Three pairs whatever was asked for: a server that does not hold a reply to its schema."""
    line = next(l for l in section_of(body).splitlines() if l.strip())[:60]
    return json.dumps({"pairs": [{"evidence": line, "instruction": f"What does Widget say in part {i}: {line}?",
                                  "input": "", "output": f"Part {i} of Widget says {line}."} for i in range(3)]})


def test_a_short_section_is_asked_for_fewer_pairs(openai_server: OpenAIStub, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "short.md").write_text("# Short\n\n" + " ".join(["Widget keeps a short note here."] * 8) + "\n",
                                   encoding="utf-8")  # 48 words
    (docs / "long.md").write_text("# Long\n\n" + " ".join(f"Widget option {i} sets the size of part {i}." for i in range(20))
                                  + "\n", encoding="utf-8")  # 180 words
    openai_server.responder = three_evidenced_pairs

    def asked(out: Path, **extra) -> dict[str, tuple[int, int]]:
        """Per document: the pairs the new requests asked for, and the pairs written to `out`."""
        before = len(openai_server.requests)
        generate(options(openai_server, docs, out, pairs_per_chunk=3, project="Widget", **extra))
        made = {}
        for body in openai_server.requests[before:]:
            name = "short" if "Short" in section_of(body) else "long"
            schema = body["response_format"]["json_schema"]["schema"]["properties"]["pairs"]
            assert f"Write up to {schema['maxItems']} instruction-answer pairs" in prompt_of(body)
            made[name] = (schema["maxItems"], sum(Path(r["source"]["path"]).stem == name for r in lines(out)))
        return made

    first = tmp_path / "capped.jsonl"
    assert asked(first) == {"short": (2, 2), "long": (3, 3)}
    assert [r["generator"]["params"].get("pairs_asked") for r in lines(first)].count(2) == 2
    # without the cap only the short section is asked again: the long one's cache key is unchanged
    assert asked(tmp_path / "uncapped.jsonl", words_per_pair=0) == {"short": (3, 3)}
    assert sum(Path(r["source"]["path"]).stem == "long" for r in lines(tmp_path / "uncapped.jsonl")) == 3


def test_the_pairs_asked_of_a_section_follow_its_words() -> None:
    from alpaca_gen.strategies.sections import SectionPairsStrategy
    from pairsmith.core.templates import load_template

    def asked(n: int, words: int, words_per_pair: int = 50) -> int:
        strategy = SectionPairsStrategy(load_template("pairs_from_section"), n, words_per_pair=words_per_pair)
        return strategy.pairs_for(" ".join(["word"] * words))

    assert [asked(3, w) for w in (20, 100, 101, 151)] == [2, 2, 3, 3]
    assert [asked(5, w) for w in (100, 101, 151, 201, 1000)] == [2, 3, 4, 5, 5]
    assert asked(1, 20) == 1 and asked(3, 20, words_per_pair=0) == 3


def test_rerun_makes_no_call_and_writes_no_duplicate(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = pair_reply
    out = tmp_path / "pairs.jsonl"
    first = generate(options(openai_server, docs, out))
    calls = len(openai_server.requests)
    before = out.read_bytes()
    second = generate(options(openai_server, docs, out))
    assert len(openai_server.requests) == calls
    assert second.model_calls == 0 and second.units_cached == first.units
    assert second.pairs_written == 0 and out.read_bytes() == before
    # Extending the input only costs the new chunk.
    (docs / "more.md").write_text("# More\n\nA brand new page about the retry policy of the server: how often it "
                                  "retries, how long it waits between tries, and when it gives up for good.\n",
                                  encoding="utf-8")
    third = generate(options(openai_server, docs, out))
    assert third.model_calls == 1 and third.pairs_written == 2
    assert len({r["id"] for r in lines(out)}) == len(lines(out))


def test_cache_rebuilds_a_lost_output_without_calls(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = pair_reply
    out = tmp_path / "pairs.jsonl"
    generate(options(openai_server, docs, out))
    expected = out.read_text(encoding="utf-8")
    calls = len(openai_server.requests)
    out.unlink()
    generate(options(openai_server, docs, out))
    assert len(openai_server.requests) == calls
    assert sorted(expected.splitlines()) == sorted(out.read_text(encoding="utf-8").splitlines())


def test_unusable_replies_are_reasked_then_rejected_with_raw_text(openai_server: OpenAIStub, docs: Path,
                                                                 tmp_path: Path) -> None:
    openai_server.responder = lambda body: "def unrelated():\n    return 42"
    out = tmp_path / "pairs.jsonl"
    summary = generate(options(openai_server, docs, out, max_reasks=2))
    assert summary.pairs_written == 0
    rejects = lines(tmp_path / "pairs.rejects.jsonl")
    assert len(rejects) == summary.units
    assert rejects[0]["reason"] == "no usable pair after 2 attempts"  # the sections strategy re-asks once
    assert rejects[0]["raw"] == ["def unrelated():\n    return 42"] * 2
    assert len(openai_server.requests) == 2 * summary.units
    # The re-ask shows the model its reply and asks again.
    reask = max((r["messages"] for r in openai_server.requests), key=len)
    assert [m["role"] for m in reask] == ["system", "user", "assistant", "user"]
    assert "JSON" in reask[-1]["content"]


def test_truncated_reply_keeps_its_complete_pairs(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    full = json.dumps({"pairs": [{"instruction": "Kept?", "input": "", "output": "Yes."},
                                 {"instruction": "Lost?", "input": "", "output": "Cut"}]})
    openai_server.script.extend([Reply(content=full[:-12], finish_reason="length")] * 10)
    out = tmp_path / "pairs.jsonl"
    summary = generate(options(openai_server, docs, out))
    kept = {r["instruction"] for r in lines(out)}
    assert kept == {"Kept?"} and summary.rejects_written == 0


def test_api_key_never_reaches_files(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = pair_reply
    out = tmp_path / "pairs.jsonl"
    generate(options(openai_server, docs, out))
    for path in [out, tmp_path / "pairs.rejects.jsonl", *(tmp_path / "cache").rglob("*")]:
        if path.is_file():
            assert b"sk-do-not-leak" not in path.read_bytes(), path


def test_failed_units_are_retried_by_a_rerun(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = pair_reply
    openai_server.script.extend([Reply(status=500)] * 2)
    out = tmp_path / "pairs.jsonl"
    first = generate(options(openai_server, docs, out, max_retries=1, concurrency=1))
    assert first.units_failed == 1 and first.pairs_written == 2 * (first.units - 1)
    second = generate(options(openai_server, docs, out))
    assert second.units_failed == 0 and second.model_calls == 1
    assert len(lines(out)) == 2 * first.units


def more_pages(docs: Path, n: int = 8) -> None:
    for i in range(n):
        (docs / f"page{i}.md").write_text(f"# Page {i}\n\nPage {i} explains feature number {i} in detail: what it "
                                          "does, when to turn it on, which options it reads, and how it fails.\n",
                                          encoding="utf-8")


def test_llama_cpp_refusing_json_schema_runs_in_json_mode(docs: Path, tmp_path: Path) -> None:
    """llama-cpp-python 0.3.36 answers json_schema with HTTP 500: every unit is done in JSON mode."""
    with OpenAIStub(responder=pair_reply, refuse={"json_schema": llama_cpp_refusal()}) as server:
        out = tmp_path / "pairs.jsonl"
        summary = generate(options(server, docs, out, concurrency=1))
        assert summary.units_failed == 0 and summary.pairs_written == 2 * summary.units
        assert summary.retries == {} and summary.model_calls == summary.units
        formats = [r["response_format"]["type"] for r in server.requests]
        assert formats == ["json_schema"] + ["json_object"] * summary.units
        assert {r["generator"]["response_format"] for r in lines(out)} == {"json_object"}
        assert any("refused response_format json_schema" in n for n in summary.notes)


def test_concurrent_refusals_keep_json_mode(docs: Path, tmp_path: Path) -> None:
    """400 refusals racing at --concurrency 4 step down to JSON mode once, never to plain text."""
    more_pages(docs)
    with OpenAIStub(responder=pair_reply, refuse={"json_schema": openai_refusal(delay=0.1)}) as server:
        out = tmp_path / "pairs.jsonl"
        summary = generate(options(server, docs, out, concurrency=4))
        assert summary.units_failed == 0 and summary.retries == {}
        records = lines(out)
        assert len(records) == 2 * summary.units
        assert {r["generator"]["response_format"] for r in records} == {"json_object"}  # none "text"
        assert all(r.get("response_format") for r in server.requests)
        assert sum(r["response_format"]["type"] == "json_schema" for r in server.requests) > 1  # they did race


def test_cache_is_keyed_on_the_server(docs: Path, tmp_path: Path) -> None:
    """Another server with the same model name is asked again; credentials in the URL do not matter."""
    with OpenAIStub(responder=pair_reply) as first, OpenAIStub(responder=pair_reply) as second:
        summary = generate(options(first, docs, tmp_path / "a.jsonl"))
        generate(options(second, docs, tmp_path / "b.jsonl"))
        assert len(second.requests) == summary.units
        calls = len(first.requests)
        with_user = options(first, docs, tmp_path / "c.jsonl")
        with_user.base_url = first.base_url.replace("http://", "http://user:secret@") + "/"
        again = generate(with_user)
        assert again.units_cached == summary.units and len(first.requests) == calls


def test_self_instruct_with_alpaca_seed_tasks(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    openai_server.responder = lambda body: json.dumps({"pairs": [
        {"instruction": "Explain how the cache avoids repeated model calls.", "input": "", "output": "It stores results."},
        {"instruction": "Draw a diagram of the pipeline stages.", "input": "", "output": "..."},
        {"instruction": "Why?", "input": "", "output": "Too short."}]})
    out = tmp_path / "tasks.jsonl"
    seeds = TEST_DATA / "alpaca_seed_tasks.jsonl"
    summary = generate(options(openai_server, docs, out, mode="self-instruct", seed_tasks=str(seeds),
                               pairs_per_chunk=5))
    prompt = prompt_of(openai_server.requests[0])
    assert "Example tasks:" in prompt and prompt.count("Instruction:") == 3 and "5 diverse" in prompt
    assert {r["instruction"] for r in lines(out)} == {"Explain how the cache avoids repeated model calls."}
    reasons = sorted({r["reason"] for r in lines(tmp_path / "tasks.rejects.jsonl")})
    assert reasons == ["alpaca_rule:keyword:draw", "alpaca_rule:too_short"]
    assert summary.rejects_written == 2 * summary.units


def test_dry_run_plans_without_calling(openai_server: OpenAIStub, docs: Path, tmp_path: Path) -> None:
    opts = options(openai_server, docs, tmp_path / "pairs.jsonl")
    found, chunks = collect_chunks(opts.paths, opts.chunking())
    planned = dry_run(chunks, build_strategy(opts))
    assert 0 < len(planned) <= len(chunks)  # a section with a heading and a line asks nothing
    assert all("<section>" in p.prompt and p.prompt_tokens > 0 for p in planned)
    assert openai_server.requests == [] and not (tmp_path / "pairs.jsonl").exists()


def test_shards_partition_the_chunks(docs: Path) -> None:
    _, whole = collect_chunks([docs])
    parts = [collect_chunks([docs], shard=f"{i}/3")[1] for i in range(3)]
    assert sorted(c.id for part in parts for c in part) == sorted(c.id for c in whole)


def test_sigkill_loses_only_in_flight_work(docs: Path, tmp_path: Path) -> None:
    """Kill a real CLI run mid-way; the output has no torn line and a re-run completes it."""
    for i in range(12):
        (docs / f"page{i}.md").write_text(f"# Page {i}\n\nPage {i} explains feature number {i} in detail: what it "
                                          "does, when to turn it on, which options it reads, and how it fails.\n",
                                          encoding="utf-8")
    port_file = tmp_path / "port"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "tests.openai_server", str(port_file), "0.3"], cwd=ROOT, env=env)
    try:
        while not port_file.exists():
            time.sleep(0.05)
        base_url = port_file.read_text()
        out = tmp_path / "pairs.jsonl"
        cmd = [sys.executable, "-m", "pairsmith", "generate", str(docs), "--out", str(out), "--model", "m",
               "--base-url", base_url, "--concurrency", "2"]
        run = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        while time.time() < deadline and (not out.exists() or len(out.read_bytes().splitlines()) < 3):
            time.sleep(0.05)
        run.send_signal(signal.SIGKILL)
        run.wait()
        partial = out.read_bytes()
        assert partial.endswith(b"\n")
        done = [json.loads(l) for l in partial.splitlines()]
        # one pair per unit (a section with something to ask) from this server
        total = len(dry_run(collect_chunks([docs])[1], build_strategy(GenerateOptions(paths=[str(docs)], out=str(out)))))
        assert 3 <= len(done) < total
        rerun = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        records = lines(out)
        assert len(records) == total and len({r["id"] for r in records}) == total
        assert records[: len(done)] == done  # nothing written before was touched
    finally:
        server.kill()
        server.wait()


def test_asking_again_asks_only_the_sections_that_kept_nothing(openai_server: OpenAIStub, docs: Path,
                                                              tmp_path: Path) -> None:
    """--again-for: the sections whose pairs a curated file holds none of are asked once more, with the
    next seed and a warmer temperature; their new pairs are appended, and a rerun asks nothing."""
    def seeded_reply(body: dict) -> str:
        line = next(l for l in section_of(body).splitlines() if l.strip())[:60]
        return json.dumps({"pairs": [{"evidence": line, "instruction": f"What does Widget say ({body.get('seed')}): {line}?",
                                      "input": "", "output": f"Widget says {line}."}]})

    openai_server.responder = seeded_reply
    out = tmp_path / "pairs.jsonl"
    first = generate(options(openai_server, docs, out))
    records = lines(out)
    assert first.units == len(records) >= 3
    kept, empty = records[0], records[1:]
    curated = tmp_path / "curated.jsonl"
    curated.write_text(json.dumps(kept) + "\n", encoding="utf-8")
    asked_before = len(openai_server.requests)
    again = generate(options(openai_server, docs, out, again_for=str(curated)))
    asked = openai_server.requests[asked_before:]
    assert again.units == len(asked) == len(empty)
    assert all(body["seed"] == 1 and body["temperature"] == 0.6 for body in asked)
    added = lines(out)[len(records):]
    assert len(added) == len(empty) and {r["source"]["chunk"] for r in added} == {r["source"]["chunk"] for r in empty}
    assert all(r["generator"]["params"]["seed"] == 1 and "(1)" in r["instruction"] for r in added)
    before = out.read_bytes()
    rerun = generate(options(openai_server, docs, out, again_for=str(curated)))
    assert rerun.model_calls == 0 and rerun.pairs_written == 0 and out.read_bytes() == before


def test_asking_again_needs_the_curated_file_and_never_writes_it(openai_server: OpenAIStub, docs: Path,
                                                                 tmp_path: Path) -> None:
    import pytest

    from pairsmith.core.errors import PairsmithError

    openai_server.responder = pair_reply
    out = tmp_path / "pairs.jsonl"
    generate(options(openai_server, docs, out))
    with pytest.raises(PairsmithError, match="not found"):
        generate(options(openai_server, docs, out, again_for=str(tmp_path / "missing.jsonl")))
    before = out.read_bytes()
    with pytest.raises(PairsmithError, match="the input given as --again-for"):
        generate(options(openai_server, docs, out, again_for=str(out)))  # its own output as the curated file
    assert out.read_bytes() == before
