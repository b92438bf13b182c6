"""The UI uses only the public API of runtime and builder.

ui/, pages/ and app.py may import from ``runtime`` and ``builder`` only names without a
leading underscore, and never reach a private attribute through an imported module or
object (``uploads._decode``): what the UI needs is a documented public function there.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("runtime", "builder")


def _ui_files() -> list[Path]:
    return sorted([*ROOT.joinpath("ui").rglob("*.py"), *ROOT.joinpath("pages").rglob("*.py"), ROOT / "app.py"])


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _library_module(module: str | None) -> bool:
    return module is not None and module.split(".")[0] in LIBRARIES


def private_uses(source: str) -> list[str]:
    """Each private name of runtime/builder that ``source`` imports or reaches, as ``line: text``."""
    tree = ast.parse(source)
    found, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _library_module(node.module):
            if any(_is_private(part) for part in node.module.split(".")):
                found.append(f"{node.lineno}: from {node.module} import ...")
            for alias in node.names:
                if _is_private(alias.name):
                    found.append(f"{node.lineno}: from {node.module} import {alias.name}")
                bound.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _library_module(alias.name):
                    if any(_is_private(part) for part in alias.name.split(".")):
                        found.append(f"{node.lineno}: import {alias.name}")
                    bound.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr) and _root_name(node) in bound:
            found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
              and len(node.args) >= 2 and _root_name(node.args[0]) in bound
              and isinstance(node.args[1], ast.Constant) and _is_private(str(node.args[1].value))):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return sorted(found, key=lambda use: int(use.split(":")[0]))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def test_the_scanner_finds_every_kind_of_private_use():
    source = ("from runtime.prepare import Prepared, _check_fit\n"
              "from runtime.data import uploads\n"
              "import builder.codegen as cg\n"
              "from builder._hidden import thing\n"
              "text = uploads._decode(b'')\n"
              "limit = cg._token_limit\n"
              "sniff = getattr(uploads, '_sniff')\n"
              "from .local import _fine\n"
              "ok = uploads.read_table, Prepared.__name__\n")
    assert private_uses(source) == ["1: from runtime.prepare import _check_fit", "4: from builder._hidden import ...",
                                    "5: uploads._decode", "6: cg._token_limit", "7: getattr(uploads, '_sniff')"]


def test_ui_and_pages_use_only_public_names_of_runtime_and_builder():
    files = _ui_files()
    assert len(files) > 20, files          # the scan sees the real tree
    offenders = {str(p.relative_to(ROOT)): uses for p in files if (uses := private_uses(p.read_text("utf-8")))}
    assert offenders == {}
