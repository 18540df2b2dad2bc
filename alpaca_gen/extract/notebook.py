"""Jupyter notebooks: Markdown cells as Markdown, code cells as fenced Python blocks.

Line numbers count through the cells' sources joined in order, one blank line between cells,
since a notebook file's own JSON lines mean nothing to a reader.
"""

from __future__ import annotations

import json

from alpaca_gen.blocks import Block
from alpaca_gen.extract.markdown import markdown_blocks
from alpaca_gen.extract.registry import reader


@reader("notebook", (".ipynb",), carries_text=True)
def notebook_blocks(text: str) -> list[Block]:
    """Blocks of an .ipynb file (raises ValueError when it is not a notebook)."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise ValueError("not a Jupyter notebook (no 'cells' list)")
    language = (data.get("metadata", {}).get("kernelspec", {}) or {}).get("language", "python")
    blocks: list[Block] = []
    line = 0
    for cell in data["cells"]:
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        count = len(source.splitlines()) or 1
        if source.strip():
            if cell.get("cell_type") == "markdown":
                blocks.extend(markdown_blocks(source, offset=line))
            elif cell.get("cell_type") == "code":
                fenced = f"```{language}\n{source.rstrip()}\n```"
                blocks.append(Block("code", fenced, line + 1, line + count))
        line += count + 1
    return blocks
