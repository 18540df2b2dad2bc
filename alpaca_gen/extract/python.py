"""Python source: module, class and function docstrings, each under a heading of its name."""

from __future__ import annotations

import ast
import inspect

from alpaca_gen.blocks import Block
from alpaca_gen.extract.rst import rst_blocks
from alpaca_gen.extract.registry import reader

_Def = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _signature(node: ast.AST) -> str:
    if isinstance(node, ast.ClassDef):
        return f"class {node.name}"
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return f"def {node.name}({ast.unparse(node.args)})"


def _docstring_blocks(node: ast.AST) -> list[Block]:
    """The docstring of `node` as rst blocks, numbered by the lines of the source file."""
    doc = ast.get_docstring(node, clean=False)
    if not doc or not doc.strip():
        return []
    first_line = node.body[0].lineno  # type: ignore[attr-defined]
    return rst_blocks(inspect.cleandoc(doc), offset=first_line - 1)


def _walk(node: ast.AST, level: int, blocks: list[Block]) -> None:
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, _Def) or child.name.startswith("_"):
            continue
        body = _docstring_blocks(child)
        if body:
            blocks.append(Block("heading", _signature(child), child.lineno, child.lineno, level))
            blocks.extend(b for b in body if b.kind != "heading")
        _walk(child, level + 1, blocks)


@reader("python", (".py",))
def python_blocks(text: str) -> list[Block]:
    """Blocks of a Python file's public docstrings (raises SyntaxError on invalid Python)."""
    tree = ast.parse(text)
    blocks: list[Block] = []
    module_doc = _docstring_blocks(tree)
    blocks.extend(b for b in module_doc if b.kind != "heading")
    _walk(tree, 1, blocks)
    return blocks
