"""The moderation steps, one file each, in the order they run: per-pair rules first, the
answer's and the question's form, clean text and a named subject, every fact of the answer in
its source, then exact duplicates and restated answers, grounding,
relative relevance (on the survivors), and the near and semantic duplicate steps, which keep
the better-grounded member of a group; last, opt-in, the instruction-following difficulty with a
small causal LM (two forward passes per surviving pair)."""

from moderation.steps.answer_form import AnswerForm
from moderation.steps.base import Context, Item, PairStep, Step
from moderation.steps.clean_text import CleanText
from moderation.steps.exact import ExactDuplicates
from moderation.steps.grounding import Grounding
from moderation.steps.ifd import InstructionFollowingDifficulty
from moderation.steps.judged import JudgedChecks
from moderation.steps.near import NearDuplicates
from moderation.steps.question_form import QuestionForm
from moderation.steps.relevance import Relevance
from moderation.steps.restate import RestatedAnswers
from moderation.steps.rules import Rules
from moderation.steps.semantic import SemanticDuplicates
from moderation.steps.supported import Supported

STEPS: list[Step] = [Rules(), AnswerForm(), QuestionForm(), CleanText(), Supported(), ExactDuplicates(), RestatedAnswers(), Grounding(),
                     Relevance(), JudgedChecks(), NearDuplicates(), SemanticDuplicates(),
                     InstructionFollowingDifficulty()]

__all__ = ["STEPS", "Context", "Item", "PairStep", "Step"]
