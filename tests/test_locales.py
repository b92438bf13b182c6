"""The locale files against each other and against the code.

Every language has the same keys, in the same order, with the same ``{fields}``; every key the code
can ask for exists; no key is left that no code can produce.

Code names a key with a string literal (passed to ``translate``/``localized``/``render_message``, raised as an
error code, kept in a table, or referenced as ``"@kind.int"``), or builds it at run time from a
prefix: ``localized(f"trainpage.view.{name}")``, ``"mode." + mode``, ``labeller("fig.")``. Each such pattern
in the code must be in ``DYNAMIC`` below, which says where its suffixes come from; the test expands
it to the keys it can produce.
"""
from __future__ import annotations

import ast
import importlib
import re
import string
import tomllib
from functools import cache
from pathlib import Path

from builder import i18n

ROOT = Path(__file__).resolve().parents[1]
CODE = ("builder", "runtime", "ui", "pages", "app.py")
KEY = re.compile(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+")
PREFIX = re.compile(r"[a-z][a-z0-9_]*\.[A-Za-z0-9_.-]*")           # the start of a key built at run time
FILE_NAME = re.compile(r"[a-z_]+\.(?:py\.j2|py|json|jsonl|onnx|lock|css|js|npz|csv|zip|pt|txt|toml|md)")


# -- where the suffixes of keys built at run time come from -------------------------------------------
def _field_names():
    from ui import train_config
    return train_config.FIELD_NAMES


def _cli_keys():
    # the flags made from FLAGS, and the others, each with its own _help("key")
    from runtime.__main__ import FLAGS
    tree = ast.parse((ROOT / "runtime" / "__main__.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "_help"]
    helped = [c.args[0].value for c in calls if c.args and isinstance(c.args[0], ast.Constant)]
    return [*(key for key, _, _ in FLAGS.values()), *helped]


def _param_kinds():
    # what a param that refuses a value says it expects (builder.params.Param.expected: "@kind.<kind>[_or_null]")
    from builder import catalog
    return sorted({p.kind + ("_or_null" if p.nullable else "") for spec in catalog.all_specs() for p in spec.params})


def _select_options():
    from ui import train_config
    return [(f.name, o) for f in train_config.FIELDS if f.kind == "select" and f.name != "optimizer" for o in f.options]


def _modes():
    from builder import templates
    from runtime.config import MODES
    return [*MODES, *(t.meta.get("mode", "classification") for t in templates.list_templates())]


def _metrics():
    # the status tiles (first curve, validation metric) and the compare picker of the Train page
    from ui import train_state
    out = {"loss", "acc", "mae"}
    from runtime.config import CONCRETE_MODES
    for mode in (None, *CONCRETE_MODES):
        out |= {metric for _, metrics in train_state.panels(mode) for metric in metrics}
    return sorted(out | set(train_state.KD_PANEL[1]))


def _views():
    from ui import train_diagnostics
    return [view.name for view in train_diagnostics.VIEWS]


def _option_keys():
    from runtime.data import builtin
    from ui import data_view
    return sorted({s.key for n in builtin.names() for s in data_view.option_specs(n)})


def _augment_keys():
    from ui import data_view
    return data_view.AUGMENT_KEYS


def _run_states():
    from runtime import runs
    return [*runs.LIVE_STATES, *runs.END_STATES]


def _const(module: str, name: str):
    return lambda: getattr(importlib.import_module(module), name)


def _listed(*names):
    return lambda: names


DYNAMIC = {   # pattern -> where the code builds it, what fills the {}
    "compresspage.row_{}": ("ui/compress_view.py: the before/after table's measures", _const("ui.compress_view", "ROWS")),
    "compresspage.{}": ("ui/compress_view.py: the two sides of a comparison", _listed("before", "after")),
    "compresspage.quantize_{}": ("ui/compress_view.py: the quantization choices",
                                 _const("ui.compress_view", "QUANTIZE_CHOICES")),
    "trainpage.group.{}": ("ui/train_form.py: the expanders (every group but the basic one)",
                           lambda: [g for g in _const("ui.train_config", "GROUPS")() if g != "basic"]),
    "trainpage.aug.{}": ("ui/train_form.py: the augmentations switched on", _augment_keys),
    "trainpage.view.{}": ("ui/train_diagnostics.py: the views of the registry", _views),
    "trainpage.diag_{}_hint": ("ui/train_diagnostics.py: the gradient and weight views",
                               _listed("gradients", "weights")),
    "trainpage.score.{}": ("ui/train_diagnostics.py, ui/train_runs.py: the test scores",
                           _const("ui.train_state", "TEST_SCORES")),
    "trainpage.state.{}": ("ui/train_live.py, ui/train_runs.py: a run's state", _run_states),
    "trainpage.col.{}": ("ui/train_diagnostics.py: the per-class table's number columns",
                         _listed("precision", "recall", "f1")),
    "trainpage.role.{}": ("ui/train_teacher.py: teacher and student in Compare", _const("ui.train_teacher", "ROLES")),
    "kind.{}": ("builder/params.py: what a param expects, for every param of every layer", _param_kinds),
    "mode.{}": ("the Train, Data and Build pages: a run's mode, a template's mode", _modes),
    "category.{}": ("ui/build_view.py, ui/property_panel.py: layer categories",
                    _const("builder.catalog", "CATEGORIES")),
    "fig.{}": ("ui/train_live.py, ui/train_runs.py, ui/figures.py: a metric's name", _metrics),
    "fig.{}_hist": ("ui/figures.py: gradient or weight histograms", _listed("grad", "weight")),
    "fig.{}_norms": ("ui/figures.py: gradient or weight norms", _listed("grad", "weight")),
    "canvas.{}": ("ui/canvas: the labels the JS shows", _const("ui.canvas", "STRING_KEYS")),
    "datapage.kind.{}": ("pages/data.py: a data set's kind", _const("runtime.data.dataset", "KINDS")),
    "datapage.tip.{}": ("pages/data.py: a data set's kind", _const("runtime.data.dataset", "KINDS")),
    "datapage.task.{}": ("pages/data.py: a data set's task, an upload's task choice",
                         lambda: [*_const("runtime.data.dataset", "TASKS")(), *_const("ui.data_upload", "TASKS")()]),
    "datapage.source_{}": ("pages/data.py: built-in or uploaded (ui/data_view.DataView.source)",
                           _listed("builtin", "upload")),
    "datapage.color.{}": ("pages/data.py: an image zip's colours", _const("ui.data_upload", "COLORS")),
    "datapage.padding.{}": ("pages/data.py: augmentation padding", _const("runtime.data.augment", "PADDING")),
    "datapage.split.{}": ("ui/figures.py: the class balance per split", _listed("train", "val", "test")),
    "metric.{}": ("ui/runs_bulk.py: a per-epoch metric's name (runs list, Tune page)",
                  _const("ui.runs_bulk", "METRICS")),
    "tunepage.state.{}": ("ui/tune_live.py: a study's state", _const("ui.tune_live", "STUDY_STATES")),
    "tunepage.trial.{}": ("ui/tune_live.py: a trial's state (Optuna's, lower case)",
                          lambda: [s.lower() for s in _const("ui.tune_live", "TRIAL_STATES")()]),
    "tunepage.sampler.{}": ("ui/tune_space.py: the samplers", _const("ui.tune_space", "SAMPLERS")),
    "tunepage.pruner.{}": ("ui/tune_space.py: the pruners", _const("ui.tune_space", "PRUNERS")),
    "datapage.drop_reason.{}": ("ui/data_preview.py: why a CSV column was dropped (runtime/data/tables.py)",
                                _listed("asked", "empty", "too_many_categories")),
}


# -- the files and the code --------------------------------------------------------------------------
@cache
def _files() -> dict[str, dict[str, str]]:
    return {lang: i18n.flat(tomllib.loads(i18n.locale_file(lang).read_text(encoding="utf-8"))) for lang in i18n.LANGS}


def _text() -> dict[str, dict[str, str]]:
    return i18n.TEXT


def _code_files() -> list[Path]:
    return sorted(p for name in CODE for p in ([ROOT / name] if name.endswith(".py") else (ROOT / name).rglob("*.py")))


def _pieces(node, seen: set) -> list[str | None]:
    """A string expression as literal pieces and holes (None); the pieces' nodes go to ``seen``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        seen.add(id(node))
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        seen.update(id(v) for v in node.values)
        return [v.value if isinstance(v, ast.Constant) else None for v in node.values]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        seen.add(id(node))
        return _pieces(node.left, seen) + _pieces(node.right, seen)
    return [None]


def _pattern(pieces: list[str | None]) -> str | None:
    """``trainpage.f.{}`` for ``f"trainpage.f.{name}"``; None when the expression builds no key."""
    if isinstance(pieces[0], str):
        pieces = [pieces[0].removeprefix("@"), *pieces[1:]]        # "@kind." + kind: a phrase of the table
    if not isinstance(pieces[0], str) or not PREFIX.fullmatch(pieces[0]) or None not in pieces:
        return None
    out = re.sub(r"(\{\})+", "{}", "".join("{}" if p is None else p.replace("{", "{{").replace("}", "}}")
                                            for p in pieces))
    return out + "{}" if out.endswith((".", "_")) else out


@cache
def _scan() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(key-like literals, patterns of keys built at run time), each with where they are."""
    literals: dict[str, list[str]] = {}
    patterns: dict[str, list[str]] = {}
    for path in _code_files():
        where = path.relative_to(ROOT).as_posix()
        inside = set()      # the pieces of an f-string or a sum, seen as part of it
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if id(node) in inside:
                continue
            if isinstance(node, (ast.JoinedStr, ast.BinOp)):
                pattern = _pattern(_pieces(node, inside))
                if pattern:
                    patterns.setdefault(pattern, []).append(f"{where}:{node.lineno}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                value = node.value.removeprefix("@")          # "@kind.int": a phrase of the table
                if PREFIX.fullmatch(value) and value.endswith((".", "_")):     # labeller("fig."), a prefix
                    patterns.setdefault(value + "{}", []).append(f"{where}:{node.lineno}")
                elif KEY.fullmatch(value):
                    literals.setdefault(value, []).append(f"{where}:{node.lineno}")
    areas = {key.split(".")[0] for key in _text()}
    keep = lambda k: k.split(".")[0] in areas  # noqa: E731 - other dotted names are module paths, file names
    return ({k: v for k, v in literals.items() if keep(k)}, {k: v for k, v in patterns.items() if keep(k)})


def _expand(pattern: str) -> set[str]:
    _, suffixes = DYNAMIC[pattern]
    return {pattern.format(*(s if isinstance(s, tuple) else (s,))) for s in suffixes()}


def _fields(text: str) -> set[tuple]:
    return {(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(text) if name is not None}


# -- the tests ---------------------------------------------------------------------------------------
def test_every_language_has_the_same_keys_in_the_same_order():
    files = _files()
    en = list(files[i18n.DEFAULT_LANG])
    assert len(en) > 500
    for lang, table in files.items():
        assert not set(en) - set(table), f"only in {i18n.DEFAULT_LANG}.toml: {sorted(set(en) - set(table))}"
        assert not set(table) - set(en), f"only in {lang}.toml: {sorted(set(table) - set(en))}"
        assert list(table) == en, f"{lang}.toml has the keys in another order than {i18n.DEFAULT_LANG}.toml"


def test_every_text_is_there_with_the_same_fields_in_every_language():
    files = _files()
    for key, text in files[i18n.DEFAULT_LANG].items():
        for lang, table in files.items():
            other = table.get(key, "")
            assert other.strip(), f"{key} is empty or missing in {lang}.toml"
            assert _fields(other) == _fields(text), \
                f"{key}: {lang}.toml has the fields {sorted(_fields(other))}, en.toml {sorted(_fields(text))}"


def test_the_table_is_the_files():
    files = _files()
    assert list(i18n.TEXT) == list(files[i18n.DEFAULT_LANG])
    assert all(i18n.TEXT[k][lang] == files[lang][k] for lang in files for k in files[lang])
    assert i18n.translate("device.cpu_n", "zh", n=3) == "CPU（3 个线程）" and i18n.translate("no.such_key", "zh") == "no.such_key"


def test_every_pattern_the_code_builds_keys_with_is_known():
    _, patterns = _scan()
    unknown = {p: where for p, where in patterns.items() if p not in DYNAMIC}
    assert not unknown, f"keys built at run time: add each pattern to DYNAMIC with its suffixes: {unknown}"
    stale = sorted(set(DYNAMIC) - set(patterns))
    assert not stale, f"DYNAMIC lists patterns no code builds any more: {stale}"


def test_every_key_the_code_asks_for_exists():
    literals, patterns = _scan()
    text = _text()
    missing = {k: where for k, where in literals.items() if k not in text and not FILE_NAME.fullmatch(k)}
    for pattern in patterns.keys() & DYNAMIC.keys():
        missing |= {k: [DYNAMIC[pattern][0]] for k in _expand(pattern) if k not in text}
    assert not missing, f"keys the code uses that the locale files lack: {missing}"


def test_every_key_is_used():
    literals, patterns = _scan()
    produced = set(literals).union(*(_expand(p) for p in patterns.keys() & DYNAMIC.keys()))
    unused = sorted(set(_text()) - produced)
    assert not unused, f"keys no code can produce (delete them, or add the code's pattern to DYNAMIC): {unused}"
