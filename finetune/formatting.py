"""Turn a pair into (prompt, answer) text with a template, then into token ids and labels.

Labels cover the answer only (prompt tokens are -100). When an example is too long, the
prompt is cut from the left so the answer survives; only an answer longer than the whole
budget is itself cut, and pre-flight refuses to train on that.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pairsmith.core.errors import ConfigError
from pairsmith.core.models.tokens import bos_ids, text_ids
from pairsmith.core.records import Pair
from pairsmith.core.templates import load_template

IGNORE = -100
CHAT = "chat"  # use the model's own chat template


@dataclass(frozen=True)
class Formatter:
    """Renders prompts with a template from `prompts/` or the model's chat template."""

    template: str = "alpaca"  # alpaca (with/without input), course_qa, chat, or a template name/path

    def prompt(self, pair: Pair, tokenizer: Any) -> str:
        if self.template == CHAT:
            if not getattr(tokenizer, "chat_template", None):
                raise ConfigError("--template chat needs a model with a chat template; choose alpaca or course_qa")
            user = f"{pair.instruction}\n\n{pair.input}" if pair.input else pair.instruction
            return tokenizer.apply_chat_template([{"role": "user", "content": user}], tokenize=False,
                                                 add_generation_prompt=True)
        if self.template == "alpaca":
            name = "alpaca_with_input" if pair.input else "alpaca_without_input"
        else:
            name = self.template
        template = load_template(name)
        values = {"instruction": pair.instruction, "input": pair.input}
        missing = template.fields - values.keys()
        if missing:
            raise ConfigError(f"template {template.id} needs {', '.join(sorted(missing))}; a training template "
                              "may only use {instruction} and {input}")
        prompt = template.render(**values)
        return prompt + ("\n" if not prompt.endswith((" ", "\n")) else "")

    @property
    def id(self) -> str:
        if self.template in (CHAT, "alpaca"):
            return self.template
        return load_template(self.template).id


@dataclass
class Tokenized:
    """One training example and what truncation did to it."""

    input_ids: list[int]
    labels: list[int]
    prompt_tokens_cut: int
    answer_tokens_cut: int

    @property
    def answer_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def tokenize_pair(prompt: str, answer: str, tokenizer: Any, max_length: int) -> Tokenized:
    """Prompt + answer + EOS as ids; labels on the answer and EOS; left-truncate the prompt."""
    prompt_ids = text_ids(tokenizer, prompt)  # bos + these are pairsmith.core.models.tokens.prompt_ids
    answer_ids = text_ids(tokenizer, answer)
    if tokenizer.eos_token_id is not None:
        answer_ids = answer_ids + [tokenizer.eos_token_id]
    bos = bos_ids(tokenizer)
    budget = max_length - len(bos)
    answer_cut = max(0, len(answer_ids) - budget + 1)  # keep at least one prompt token
    if answer_cut:
        answer_ids = answer_ids[: len(answer_ids) - answer_cut]
    room = budget - len(answer_ids)
    prompt_cut = max(0, len(prompt_ids) - room)
    prompt_ids = prompt_ids[prompt_cut:]  # from the left: the end of the prompt leads into the answer
    input_ids = bos + prompt_ids + answer_ids
    labels = [IGNORE] * (len(bos) + len(prompt_ids)) + answer_ids
    return Tokenized(input_ids, labels, prompt_cut, answer_cut)
