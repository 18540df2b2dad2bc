"""The moderation steps, one file each, in the order they run: per-pair rules first, then
exact duplicates and restated answers, grounding, and the near and semantic duplicate steps,
which keep the better-grounded member of a group."""

from moderation.steps.base import Context, Item, PairStep, Step
from moderation.steps.exact import ExactDuplicates
from moderation.steps.grounding import Grounding
from moderation.steps.near import NearDuplicates
from moderation.steps.restate import RestatedAnswers
from moderation.steps.rules import Rules
from moderation.steps.semantic import SemanticDuplicates

STEPS: list[Step] = [Rules(), ExactDuplicates(), RestatedAnswers(), Grounding(), NearDuplicates(), SemanticDuplicates()]

__all__ = ["STEPS", "Context", "Item", "PairStep", "Step"]
