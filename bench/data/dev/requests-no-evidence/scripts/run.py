"""Generation of the no-evidence experiment: the sections strategy with the evidence field taken out of its
schema and prompt (prompt.txt), on the Requests dev sections. Run from the repository root: python THIS OUT"""
import json, sys, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[5]))
import alpaca_gen.schema as schema
schema.EVIDENCED_PAIR_SCHEMA = {"type": "object", "properties": dict(schema.PAIR_SCHEMA["properties"]),
                                "required": ["instruction", "input", "output"], "additionalProperties": False}
from pairsmith import generate, moderate
out = Path(sys.argv[1]); out.mkdir(parents=True)
t0 = time.perf_counter()
made = generate("bench/thirdparty/dev/requests", out=out / "pairs.jsonl", project="Requests", parallel=4,
                pairs_per_chunk=3, no_cache=True, template=str(Path(__file__).resolve().parent.parent / "prompt.txt"))
t1 = time.perf_counter()
curated = moderate(made, out=out / "curated.jsonl")
t2 = time.perf_counter()
s = made.summary
json.dump({"seconds_generate": round(t1 - t0, 1), "seconds_moderate": round(t2 - t1, 1),
           "completion_tokens": s.completion_tokens, "pairs": len(made), "kept": [p.id for p in curated.kept]},
          open(out / "timing.json", "w"), indent=1)
print(t1 - t0, s.completion_tokens, len(made), len(curated.kept))
