"""alpaca_gen: docs -> chunks -> prompts -> backends -> parsed instruction pairs."""

from alpaca_gen.chunk import Chunk, chunk_document
from alpaca_gen.ingest import Document, ingest

__all__ = ["Chunk", "Document", "chunk_document", "ingest"]
