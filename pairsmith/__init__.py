"""pairsmith: from a folder of docs to a curated instruction dataset and a model trained on it."""

from pairsmith.errors import PairsmithError
from pairsmith.records import Pair

__all__ = ["Pair", "PairsmithError", "__version__"]
__version__ = "0.1.0"
