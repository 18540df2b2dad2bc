"""PDF and Word documents, and text in other encodings: read, cut into chunks with their
headings, and turned into pairs whose chunk travels with them."""

from __future__ import annotations

from pathlib import Path

from alpaca_gen.ingest import decode, ingest, read_document
from alpaca_gen.run import collect_chunks
from tests.conftest import ROOT

BINARY = ROOT / "tests" / "data" / "docs_binary"


def test_a_pdf_is_read_with_its_outline_as_headings() -> None:
    document = read_document(BINARY / "shared-mime-info-spec.pdf")
    assert not isinstance(document, str), document
    headings = [b.text for b in document.blocks if b.kind == "heading"]
    assert "1.2. What is this spec?" in " ".join(headings) and len(headings) >= 20
    text = "\n".join(b.text for b in document.blocks)
    assert "Shared MIME-info Database\n" not in text  # the running header is gone
    assert "This is version 0.21 of the Shared MIME-info Database specification" in text


def test_a_docx_keeps_headings_lists_and_tables() -> None:
    document = read_document(BINARY / "moderation-settings.docx")
    assert not isinstance(document, str), document
    headings = [(b.text, b.level) for b in document.blocks if b.kind == "heading"]
    assert headings[:2] == [("Moderation settings", 1), ("Relevance", 2)]
    assert any(b.text.startswith("- Lower the threshold") for b in document.blocks)
    table = next(b for b in document.blocks if b.kind == "table")
    assert "| relevance.floor | 0.12 | Cosine under which an answer is unrelated |" in table.text


def test_chunks_of_converted_documents_carry_their_text() -> None:
    _, chunks = collect_chunks([str(BINARY)])
    pdf = [c for c in chunks if c.path.endswith(".pdf")]
    assert len(pdf) > 5 and all(c.source()["text"] == c.text for c in pdf)
    assert any("2.4. The glob files" in " ".join(c.headings) for c in pdf)


def test_other_encodings_are_decoded_and_garbage_is_skipped(tmp_path: Path) -> None:
    text = "Café au lait — the résumé of a naïve coöperation, in Windows-1252 « quotes »."
    (tmp_path / "cp1252.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "latin1.md").write_bytes("# Überblick\n\nDie Größe der Datei ist égal.".encode("latin-1"))
    (tmp_path / "junk.txt").write_bytes(bytes(range(1, 32)) * 40)
    found = ingest([str(tmp_path)])
    read = {Path(d.path).name: "\n".join(b.text for b in d.blocks) for d in found.documents}
    assert read["cp1252.txt"] == text and "Größe" in read["latin1.md"]
    assert any("junk.txt" in path and "encoding" in reason for path, reason in found.skipped)
    assert decode("plain".encode("utf-8-sig")) == "plain"


def test_a_broken_pdf_is_skipped_with_its_reason(tmp_path: Path) -> None:
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4\nnot really a pdf")
    reason = read_document(tmp_path / "broken.pdf")
    assert isinstance(reason, str) and reason.startswith(("cannot parse as pdf", "no text"))
