"""How one chunk becomes requests and requests become pairs: one file per strategy, each registered
by name (`registry.py`); `base.py` says what a strategy is.

- `sections` (the default): the model writes pairs about one section, each quoting its evidence.
- `answer-first`: an answer is a span of the doc; the model writes the question; a round trip checks it.
- `multi`: several JSON pairs per request; also Alpaca-style self-instruct.
- `stepwise`: for small local models, one question then its extracted answer per passage.
"""

from alpaca_gen.strategies.base import Strategy, Unit, UnitResult
from alpaca_gen.strategies.registry import build, names, register

__all__ = ["Strategy", "Unit", "UnitResult", "build", "names", "register"]
