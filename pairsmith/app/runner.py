"""`Runner`: the course's `BasicModelRunner`, local instead of hosted.

    runner = Runner("smollm2-135m-instruct")
    runner("What is pairsmith?")                      # -> str, greedy
    runner.load_data_from_jsonlines("lamini_docs.jsonl", input_key="question", output_key="answer")
    runner.train(epochs=1)                             # runner(...) now answers with the tuned model
    runner.evaluate(limit=20)                          # DataFrame: question, reference, base, tuned, metrics

Prompts are formatted with the training template (the course's `### Question:` / `### Answer:` by
default), so the base and the tuned model see the same prompt, and the tuned model exactly the
prompt it was trained to continue.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from pairsmith.core.errors import ConfigError, InputError
from pairsmith.core.records import Pair

if TYPE_CHECKING:
    import pandas as pd

    from pairsmith.app.api import TrainResult


class Runner:
    """Ask a local model, train it on question/answer data, compare it with its base model."""

    def __init__(self, model_name: str = "smollm2-135m-instruct", *, template: str = "course_qa",
                 max_new_tokens: int = 128, batch_size: int = 16, device: str | None = None) -> None:
        self.base_model = model_name
        self.model_name = model_name
        self.template = template
        self.max_new_tokens = max_new_tokens
        self.batch_size = batch_size
        self.device = device
        self.pairs: list[Pair] = []
        self.trained: TrainResult | None = None
        self._backend: Any = None
        self._tokenizer: Any = None

    # --- asking --------------------------------------------------------------------------

    def __call__(self, prompt: str | list[str]) -> str | list[str]:
        """The model's greedy answer to one question, or to each of a list."""
        if isinstance(prompt, str):
            return self._answer([prompt])[0]
        return self._answer(list(prompt))

    def _answer(self, questions: list[str]) -> list[str]:
        from finetune.formatting import Formatter
        from pairsmith.core.backends.base import Request

        backend = self._load()
        formatter = Formatter(self.template)
        prompts = [formatter.prompt(Pair(instruction=q, output=""), self._tokenizer) for q in questions]
        answers: list[str] = []
        for start in range(0, len(prompts), self.batch_size):
            requests = [Request.formatted(p, max_tokens=self.max_new_tokens) for p in prompts[start : start + self.batch_size]]
            answers += [c.text.strip() for c in backend.generate_batch(requests)]
        return answers

    def _load(self) -> Any:
        if self._backend is None:
            from pairsmith.core.backends.hf import HFBackend
            from pairsmith.core.models import load_causal_lm

            loaded = load_causal_lm(self.model_name, self.device)
            self._tokenizer = loaded[1]
            self._backend = HFBackend(self.model_name, batch_size=self.batch_size, constrain=False, loaded=loaded)
        return self._backend

    # --- data ----------------------------------------------------------------------------

    def load_data_from_jsonlines(self, path: str | Path, input_key: str = "question", output_key: str = "answer") -> int:
        """Add question/answer records from a JSON Lines file; returns how many were added."""
        rows = []
        with open(path, encoding="utf-8-sig") as fh:
            for number, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from None
        return self.load_data(rows, input_key, output_key)

    def load_data_from_dataframe(self, frame: pd.DataFrame, input_key: str = "question", output_key: str = "answer") -> int:
        """Add the rows of a DataFrame (columns `input_key` and `output_key`)."""
        return self.load_data(frame.to_dict(orient="records"), input_key, output_key)

    def load_data(self, data: Iterable[dict[str, Any]] | pd.DataFrame, input_key: str = "question",
                  output_key: str = "answer") -> int:
        """Add records (a list of dicts or a DataFrame) with the question in `input_key` and the
        answer in `output_key`; returns how many were added."""
        if hasattr(data, "to_dict") and not isinstance(data, dict):
            data = data.to_dict(orient="records")  # a DataFrame
        added = 0
        for number, row in enumerate(data, 1):
            if not isinstance(row, dict) or input_key not in row or output_key not in row:
                raise InputError(f"record {number} has no {input_key!r} and {output_key!r}: pass input_key= and "
                                 "output_key= naming its fields")
            self.pairs.append(Pair(instruction=str(row[input_key]), output=str(row[output_key]),
                                   source={"path": str(row.get("source", ""))} if row.get("source") else None))
            added += 1
        return added

    # --- training and evaluation -----------------------------------------------------------

    def train(self, *, out: str | Path | None = None, **options: Any) -> TrainResult:
        """Fine-tune the base model on the loaded data (10% held out, the course's split; any
        TrainOptions field as a keyword). Afterwards the runner answers with the tuned model."""
        from pairsmith.app.api import train

        if len(self.pairs) < 2:
            raise ConfigError("load some data first: runner.load_data_from_jsonlines(path) or runner.load_data(rows)")
        folder = Path(out) if out else Path(tempfile.mkdtemp(prefix="pairsmith-runner-"))
        settings = {"model": self.base_model, "template": self.template, "eval_split": 0.1, "drop_unusable": True,
                    **options}
        self.trained = train(self.pairs, out=folder, **settings)
        self.model_name = str(self.trained.model)
        self._backend = None  # the next call loads the tuned model
        return self.trained

    def evaluate(self, limit: int | None = None, **options: Any) -> pd.DataFrame:
        """Base and tuned answers to the held-out questions with their metrics, one row each:
        question, reference, base_answer, tuned_answer, and each model's scores."""
        from pairsmith.app.api import evaluate

        if self.trained is None:
            raise ConfigError("train first: runner.train() holds out the questions to evaluate on")
        result = evaluate(self.trained, limit=limit, max_new_tokens=self.max_new_tokens, **options)
        return result.table
