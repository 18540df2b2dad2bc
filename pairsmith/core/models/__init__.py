"""The model layer every stage stands on: aliases and GGUF conversion, device and precision,
one causal-LM loader, the sentence embedder and one SQLite key-value cache."""

from pairsmith.core.models.aliases import (
    ALIASES, DEFAULT_CAUSAL_LM, DEFAULT_EMBEDDER, DEFAULT_TEACHER, Alias, cache_dir, convert_gguf, gguf_file,
    is_installed, is_offline_available, local_source, resolve,
)
from pairsmith.core.models.causal_lm import load_causal_lm
from pairsmith.core.models.device import inference_dtype, pick_device
from pairsmith.core.models.kv_cache import KVCache

__all__ = ["ALIASES", "DEFAULT_CAUSAL_LM", "DEFAULT_EMBEDDER", "DEFAULT_TEACHER", "Alias", "gguf_file", "is_installed", "KVCache", "cache_dir", "convert_gguf",
           "inference_dtype", "is_offline_available", "load_causal_lm", "local_source", "pick_device", "resolve"]
