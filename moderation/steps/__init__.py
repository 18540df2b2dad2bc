"""The moderation steps, one file each, in the order they run: per-pair rules first, the
answer's and the question's form, clean text and a named subject, every fact of the answer in
its source, then exact duplicates and restated answers, grounding,
relative relevance (on the survivors), and the near and semantic duplicate steps, which keep
the better-grounded member of a group; last, opt-in, the instruction-following difficulty with a
small causal LM (two forward passes per surviving pair)."""

from moderation.steps.base import Context, Item, PairStep, Step
from moderation.steps.registry import all_steps

STEPS: list[Step] = all_steps()  # rules 10, answer_form 20, question_form 30, clean_text 40, supported 50,
# exact 60, restate 70, grounding 80, relevance 90, judged 100, near 110, semantic 120, ifd 130

__all__ = ["STEPS", "Context", "Item", "PairStep", "Step"]
