"""Shared fixtures: a tiny causal LM built from a config, a local OpenAI server, data paths.

Nothing here touches the network: the tiny model's tokenizer is trained in the test session
on a few sentences, and the model is a 2-layer Llama of a few MB.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.openai_server import OpenAIStub

ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = ROOT / "tests" / "data"  # every file the tests read; tests/data/README.md says whence
LAMINI = TEST_DATA / "lamini_docs.jsonl"
CANNED_ANSWER = "keep the discussion relevant to Lamini"  # the course data's off-topic boilerplate


def lamini_rows() -> list[dict]:
    """Every record of the course's dataset, as stored."""
    with open(LAMINI, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def lamini_canned(rows: list[dict] | None = None) -> int:
    """How many lamini answers are the canned off-topic reply (counted on the raw text, not by our rules)."""
    return sum(CANNED_ANSWER in row["answer"] for row in (lamini_rows() if rows is None else rows))


def lamini_file(folder: Path, n: int) -> tuple[Path, list[dict]]:
    """The first n lamini records written to FOLDER/lamini.jsonl, and the records."""
    rows = lamini_rows()[:n]
    path = folder / "lamini.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, rows

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)

CORPUS = [
    "pairsmith turns docs into instruction pairs and trains a small model on them.",
    "Install it with pip install pairsmith. Run pairsmith generate docs --out pairs.jsonl.",
    'What is the question? {"question": "How do I install it?", "answer": "Use pip."}',
    '{"pairs": [{"instruction": "Explain", "input": "", "output": "It works."}]}',
    "The quick brown fox jumps over the lazy dog. 0123456789 ?!.,:;-_()[]{}<>/\\|'\"`~@#$%^&*+=",
]


def build_tiny_lm(folder: Path) -> Path:
    """Train a byte-level BPE tokenizer on CORPUS and save a 2-layer Llama with it."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<|pad|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 4, trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|end|>")
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny causal LM and its tokenizer (a few MB)."""
    return build_tiny_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own PAIRSMITH_CACHE and no server settings from the environment."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("PAIRSMITH_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for var in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    return cache


@pytest.fixture
def openai_server():
    """A running OpenAI-compatible stub; tests set `.script`, `.responder` or `.delay`."""
    with OpenAIStub() as server:
        yield server


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    """A small docs folder with Markdown (fences, a table, nested headings) and rst."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.md").write_text(
        "# Guide\n\nThis guide explains how the tool reads documents and writes pairs for training.\n\n"
        "## Install\n\nInstall the package with pip and check the version afterwards to be sure.\n\n"
        "```bash\npip install pairsmith\npairsmith --help\n```\n\n"
        "## Formats\n\nThe reader accepts these formats, and the writer emits the same set of them.\n\n"
        "| name | suffix |\n|---|---|\n| alpaca | .json |\n| csv | .csv |\n",
        encoding="utf-8",
    )
    (folder / "notes.rst").write_text(
        "Notes\n=====\n\nThe cache keeps finished work so that a second run makes no model calls at all.\n",
        encoding="utf-8",
    )
    return folder


def lamini_slice(n: int) -> list[dict]:
    """The first n records of the course's dataset."""
    rows = []
    with open(LAMINI, encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def build_tiny_embedder(folder: Path) -> Path:
    """A 2-layer BERT with a WordPiece vocabulary trained on CORPUS, saved as a
    sentence-transformers model (mean pooling): real embeddings, a few hundred KB."""
    import torch
    from sentence_transformers import SentenceTransformer
    try:
        from sentence_transformers.sentence_transformer import modules as st_models
    except ImportError:  # sentence-transformers before 6
        from sentence_transformers import models as st_models
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, BertTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.train_from_iterator(CORPUS * 4 + LAMINI.read_text(encoding="utf-8").splitlines()[:300],
                            trainers.WordPieceTrainer(vocab_size=800, special_tokens=specials))
    raw = folder / "bert"
    raw.mkdir(parents=True)
    tok.save(str(raw / "tokenizer.json"))
    tokenizer = BertTokenizerFast(tokenizer_file=str(raw / "tokenizer.json"))
    tokenizer.save_pretrained(raw)
    torch.manual_seed(0)
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=512)
    BertModel(config).save_pretrained(raw)
    transformer = st_models.Transformer(str(raw), max_seq_length=256)
    dimension = getattr(transformer, "get_embedding_dimension", None) or transformer.get_word_embedding_dimension
    pooling = st_models.Pooling(dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling], device="cpu")
    target = folder / "st"
    model.save(str(target))
    return target


@pytest.fixture(scope="session")
def tiny_embedder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny sentence-transformers model."""
    return build_tiny_embedder(tmp_path_factory.mktemp("tiny-embedder"))
