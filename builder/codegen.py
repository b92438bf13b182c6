"""Graph -> readable PyTorch source -> nn.Module.

The source is the model: the app compiles exactly the text it exports (registered
with ``linecache`` so tracebacks show the generated line), in the spirit of
torch.fx's CodeGen. Only validated params (rendered with ``repr``) and sanitised
identifiers reach the source; a graph that does not check is refused.
"""
from __future__ import annotations

import builtins
import hashlib
import json
import keyword
import linecache
import re
import textwrap
import types
from dataclasses import dataclass, field

import networkx as nx

from . import catalog
from .errors import PATH_SEP, CheckError
from .graph import INSTANCE, BlockDef, Graph, param_ref
from .shapes import CheckResult, check
from .weight_init import init_lines

# Public attributes of nn.Module (torch 2.13): a layer named "train" must not replace a method.
NN_MODULE_ATTRS = frozenset("""
T_destination add_module apply bfloat16 buffers call_super_init children compile cpu cuda double
dump_patches eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half
ipu load_state_dict modules mtia named_buffers named_children named_modules named_parameters parameters
register_backward_hook register_buffer register_forward_hook register_forward_pre_hook
register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook
register_load_state_dict_pre_hook register_module register_parameter register_state_dict_post_hook
register_state_dict_pre_hook requires_grad_ set_extra_state set_submodule share_memory state_dict to
to_empty train training type xpu zero_grad
""".split())
GENERATED_NAMES = frozenset({"torch", "nn", "self", "example_inputs", "input_names", "output_names",
                             "input_shapes", "output_shapes", "latent_shape", "decode",
                             "Spectrogram", "MelSpectrogram"})   # classes a catalog entry's ``helper`` defines
RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) \
    | NN_MODULE_ATTRS | GENERATED_NAMES


class CodegenError(Exception):
    """The graph does not check; ``errors`` says why."""

    def __init__(self, errors: list[CheckError]):
        super().__init__("; ".join(e.message() for e in errors[:5]))
        self.errors = errors


def identifiers(ids: list[str]) -> dict[str, str]:
    """Node ids -> distinct, safe Python identifiers (document order decides who keeps the plain name)."""
    used: set[str] = set()
    out = {}
    for node_id in ids:
        base = re.sub(r"\W", "_", node_id, flags=re.ASCII)
        if base[0].isdigit() or base[0] == "_" or base in RESERVED:
            base = "node_" + base.strip("_") if base.strip("_") else "node"
        name, i = base, 2
        while name in used or name in RESERVED:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[node_id] = name
    return out


def class_name(graph_name: str) -> str:
    parts = re.findall(r"[A-Za-z0-9]+", graph_name, flags=re.ASCII)
    name = "".join(p[:1].upper() + p[1:] for p in parts)[:60]
    if not name or name[0].isdigit():
        name = "Net" + name
    return name if name not in RESERVED else name + "Model"


def render(value) -> str:
    """A validated param value as Python source."""
    if isinstance(value, tuple):
        return "(" + ", ".join(render(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, str):
        return py_str(value)
    assert value is None or isinstance(value, (bool, int, float)), type(value)
    return repr(value)


def py_str(text: str) -> str:
    """A double-quoted Python string literal (a JSON string literal is one, escapes and all)."""
    literal = json.dumps(text, ensure_ascii=False)
    try:
        literal.encode("utf-8")
    except UnicodeEncodeError:   # lone surrogates: keep them as escapes
        literal = json.dumps(text)
    return literal


def py_docstring(text: str, indent: str = "    ", width: int = 96) -> str:
    """A triple-quoted docstring for user text, wrapped; every quote and backslash escaped."""
    def escape(ch: str) -> str:
        if ch in ('"', "\\"):
            return "\\" + ch
        if ch.isprintable():
            return ch
        code = ord(ch)
        return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    paragraphs = [textwrap.wrap("".join(escape(c) for c in para), width - len(indent)) or [""]
                  for para in text.split("\n")]
    lines = [line for para in paragraphs for line in para]
    if len(lines) == 1:
        return f'{indent}"""{lines[0]}"""'
    return f'{indent}"""' + lines[0] + "\n" + "\n".join(indent + line if line else "" for line in lines[1:]) + \
        f'\n{indent}"""'


def _shape_text(shape) -> str:
    return render(tuple(shape))


def _shape_comment(shape) -> str:
    """A value's shape as the comment after its line shows it, batch first: (N, 64, 112, 112)."""
    return "(" + ", ".join(["N", *map(str, shape)]) + ")"


@dataclass
class Generated:
    source: str
    class_name: str
    result: CheckResult
    names: dict[str, str]   # node id -> identifier (attribute name, hence state_dict key)
    values: dict[str, str]  # node id -> the local variable holding its tensor in forward
    module_paths: dict[tuple, str] = field(default_factory=dict)   # node path -> dotted module path (get_submodule)
    block_classes: dict[str, list[str]] = field(default_factory=dict)  # block name -> its class names

    def module_path(self, node: str) -> str | None:
        """The dotted path of a node's module in the model, for a node id of the graph (its
        attribute) or a path into block instances joined with "/" (``layer1/0/conv1`` ->
        ``layer1.0.conv1``); None for a node that is not there."""
        if node in self.names:
            return self.names[node]
        return self.module_paths.get(tuple(node.split(PATH_SEP)))

    def class_names(self) -> set[str]:
        """Every class the source defines."""
        return {self.class_name, *(name for names in self.block_classes.values() for name in names)}


def generate(doc: dict | Graph, result: CheckResult | None = None, taken: frozenset = frozenset()) -> Generated:
    """The standalone source for a graph that checks; raises CodegenError otherwise. Block classes
    avoid the names in ``taken`` (a script that pastes two models side by side)."""
    result = result or check(doc)
    if not result.ok:
        raise CodegenError(result.errors)
    graph = result.graph
    names = identifiers([n.id for n in graph.nodes])
    values = value_names(result, names)
    cls = class_name(graph.name)
    classes, class_of = _plan_classes(result, taken={cls, *taken})
    block_lines = []
    for block_class in classes:
        block_lines += _block_class_lines(block_class, class_of) + ["", ""]
    scope = _Scope([result], None, taken=set())
    types_ = {n.id: n.type for n in graph.nodes}
    inputs = result.input_nodes()
    outputs = result.output_nodes()
    returned = [value_key(*result.sources(n)[0]) for n in outputs]
    body = [n for n in result.order if types_[n] not in ("Input", "Output")]

    lines = [
        f"# Generated by NetCanvas from the graph {py_str(graph.name[:80])}.",
        "# It needs only PyTorch. Run this file to smoke-test the model.",
        "import torch",
        "from torch import nn",
        "",
        "",
        *_helper_lines(result),
        *block_lines,
        f"class {cls}(nn.Module):",
    ]
    description = (graph.meta.get("description") or {}).get("en")
    if description:
        lines.append(py_docstring(description))
        lines.append("")
    lines += [
        f"    input_names = {render(tuple(result.io_name(n) for n in inputs))}",
        f"    output_names = {render(tuple(result.io_name(n) for n in outputs))}",
        "    input_shapes = {" + ", ".join(f"{py_str(result.io_name(n))}: {_shape_text(result.shapes[n])}" for n in inputs) + "}",
        "    output_shapes = {" + ", ".join(f"{py_str(result.io_name(n))}: {_shape_text(result.shapes[n])}" for n in outputs) + "}",
    ]
    decoder = _decoder(graph, result)
    if decoder:
        lines.append(f"    latent_shape = {_shape_text(result.shapes[decoder[0]])}")
    lines += ["", "    def __init__(self):", "        super().__init__()"]
    constructors = {n: _constructor(scope, graph.node(n), names, class_of) for n in body}
    for node_id in body:
        if constructors[node_id]:
            lines.append(f"        self.{names[node_id]} = {constructors[node_id]}")
            lines += _init_lines(result, node_id, names[node_id])
    if not any(constructors.values()):
        lines.append("        # no learnable layers")

    steps = [_node_step(scope, names, values, n) for n in body]
    if decoder and _decoder_is_one_stretch(body, decoder[1]):
        z, nodes, outs = decoder
        first = body.index(nodes[0])
        steps[first:first + len(nodes)] = [_decode_call(result, values, z, outs)]
    lines += ["", f"    def forward(self, {', '.join(values[n] for n in inputs)}):"]
    lines += _method_lines(steps, returned, values)

    if decoder:
        z, nodes, outs = decoder
        lines += ["", f"    def decode(self, {values[z]}):",
                  f"        \"\"\"Run the part of the network after {values[z]} (the decoder) on latent codes.\"\"\""]
        lines += _method_lines([_node_step(scope, names, values, n) for n in nodes],
                               [value_key(*result.sources(n)[0]) for n in outs], values)

    lines += ["", "", "def example_inputs(batch_size=2):",
              "    \"\"\"A random batch with the shapes, dtypes and value ranges the model takes.\"\"\"",
              "    return ("]
    for n in inputs:
        shape = ", ".join(str(d) for d in result.shapes[n])
        special = _example_input(result, n)
        if special:
            lines.append(f"        {special},")
        elif result.dtypes[n] == "int64":
            lines.append(f"        torch.randint(0, {_token_limit(result, n)}, (batch_size, {shape})),")
        else:
            lines.append(f"        torch.randn(batch_size, {shape}),")
    lines.append("    )")
    lines += _smoke_test(cls)
    source = "\n".join(lines) + "\n"
    block_classes: dict[str, list[str]] = {}
    for block_class in classes:
        block_classes.setdefault(block_class.block.name, []).append(block_class.name)
    return Generated(source=source, class_name=cls, result=result, names=names, values=values,
                     module_paths=_module_paths(result, names, class_of), block_classes=block_classes)


def _helper_lines(result: CheckResult) -> list[str]:
    """The classes the layers used (block insides too) need defined in the file, each once, in order."""
    sources: dict[str, None] = {}

    def gather(outer: CheckResult) -> None:
        for node in outer.graph.nodes:
            if node.id in outer.instances:
                gather(outer.instances[node.id])
            elif (spec := catalog.get(node.type)) is not None:
                sources.update(dict.fromkeys(spec.helper))

    gather(result)
    return [line for source in sources for line in (*source.splitlines(), "", "")]


def value_key(node_id: str, port: int = 0) -> str:
    """The key of a value in ``values``: the node id, with ``#port`` for a block instance's other outputs."""
    return node_id if port == 0 else f"{node_id}#{port}"


def value_names(result: CheckResult, names: dict[str, str]) -> dict[str, str]:
    """Node id -> the local variable that holds its tensor in forward, distinct and safe.

    Named by meaning where the graph says it: the value an Output returns takes the
    Output's name (a VAE's ``mu`` and ``logvar``), a recurrent layer's final state is
    ``h_n``. Such a name never takes another node's identifier, so every other value,
    and every Input (forward's parameters), keeps its node's identifier. A block instance's
    outputs after the first that something reads are keyed ``id#port`` (``value_key``).
    """
    graph = result.graph
    meaning: dict[str, str] = {}
    for out in result.output_nodes():
        meaning.setdefault(value_key(*result.sources(out)[0]), result.io_name(out))
    for node in graph.nodes:
        if node.type in ("RNN", "LSTM", "GRU") and result.params[node.id]["return"] == "last":
            meaning.setdefault(node.id, "h_n")
    held = [n.id for n in graph.nodes if n.type != "Output"]
    identifiers_held = {names[n] for n in held}
    values: dict[str, str] = {}
    for node_id in held:
        wanted = meaning.get(node_id) if graph.node(node_id).type != "Input" else None
        free = (wanted is not None and _plain_identifier(wanted) and wanted not in values.values()
                and (wanted == names[node_id] or wanted not in identifiers_held))
        values[node_id] = wanted if free else names[node_id]
    for key in _other_port_keys(result):
        node_id, port = key.split("#")
        wanted = meaning.get(key)
        if wanted is None or not _plain_identifier(wanted) or wanted in values.values() or wanted in identifiers_held:
            wanted, i = f"{names[node_id]}_{port}", 2
            while wanted in values.values() or wanted in identifiers_held:
                wanted, i = f"{names[node_id]}_{port}_{i}", i + 1
        values[key] = wanted
    return values


def _other_port_keys(result: CheckResult) -> list[str]:
    """The keys of instance outputs after the first that some node reads, in document order."""
    read = {value_key(*source) for node in result.graph.nodes for source in result.sources(node.id)}
    return [value_key(node.id, port) for node in result.graph.nodes
            for port in range(1, len(result.port_shapes.get(node.id, ()))) if value_key(node.id, port) in read]


def _plain_identifier(text: str) -> bool:
    """Usable as it is for a local variable: what identifiers() would keep unchanged."""
    return text.isascii() and text.isidentifier() and not text.startswith("_") and text not in RESERVED


# -- block classes ------------------------------------------------------------------------
# Each block definition becomes an nn.Module class, made once for every instance. What differs
# between instances (a param, the size of what feeds it) becomes a constructor argument: a block
# param by its name, an input's size as in_channels / in_features, anything else as
# <attribute>_<size>. Instances whose forward would read differently (a Reshape to another size)
# get classes of their own: BasicBlock, BasicBlock2.
SHAPE_LETTERS = {1: ("F",), 2: ("C", "L"), 3: ("C", "H", "W"), 4: ("C", "D", "H", "W"), 5: ("C", "T", "D", "H", "W")}


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


@dataclass
class _Arg:
    """A constructor argument for a size: its name and its value in each instance (by id of the inside's check)."""
    name: str
    values: dict


class _Scope:
    """Where code is written: the top class (one check) or a block class (every inside it is made
    for); turns a value that may differ between them into an expression."""

    def __init__(self, occurrences: list[CheckResult], block: BlockDef | None, taken: set):
        self.occurrences = occurrences
        self.block = block
        self.used = {"self"} | taken
        self.param_names = {}
        for param in (block.declared if block is not None else {}):
            self.param_names[param] = self._fresh(param)
        self.inferred: list[_Arg] = []

    def _fresh(self, wanted: str) -> str:
        name, i = wanted, 2
        while name in self.used or name in RESERVED:
            name, i = f"{wanted}_{i}", i + 1
        self.used.add(name)
        return name

    def express(self, values: list, hint: str) -> str:
        """Python source for a value that is ``values[i]`` in occurrence ``i``."""
        if all(_same(v, values[0]) for v in values):
            return render(values[0])
        known = self._known(values)
        if known is not None:
            return known
        name = self._input_size(values) or hint
        arg = _Arg(self._fresh(name), {id(o): v for o, v in zip(self.occurrences, values)})
        self.inferred.append(arg)
        return arg.name

    def _known(self, values: list) -> str | None:
        """A block param or a constructor argument already made that has these values."""
        for param, name in self.param_names.items():
            if all(_same(o.args.get(param), v) for o, v in zip(self.occurrences, values)):
                return name
        for arg in self.inferred:
            if all(_same(arg.values[id(o)], v) for o, v in zip(self.occurrences, values)):
                return arg.name
        return None

    def _input_size(self, values: list) -> str | None:
        """in_channels / in_features (x_channels, ... for a block with several inputs) when the values
        are the first or last dimension of what feeds the block."""
        inputs = self.block.input_nodes() if self.block is not None else []
        for input_id in inputs:
            shapes = [o.shapes.get(input_id) for o in self.occurrences]
            if any(not s for s in shapes):
                continue
            for dim in (0, -1):
                if all(_same(s[dim], v) for s, v in zip(shapes, values)):
                    label = "features" if dim == -1 or len(shapes[0]) == 1 else "channels"
                    prefix = "in" if len(inputs) == 1 else identifiers(inputs)[input_id]
                    return f"{prefix}_{label}"
        return None

    def shape_comment(self, shapes: list) -> str:
        """The comment after a line: (N, 64, 56, 56), or with names where instances differ: (N, planes, H, W)."""
        if any(s is None for s in shapes):
            return "(N, ...)"
        if all(s == shapes[0] for s in shapes):
            return _shape_comment(shapes[0])
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            return "(N, ...)"
        dims = []
        for d in range(rank):
            column = [s[d] for s in shapes]
            if all(v == column[0] for v in column):
                dims.append(str(column[0]))
            else:
                dims.append(self._known(column) or SHAPE_LETTERS.get(rank, ("?",) * rank)[d])
        return "(" + ", ".join(["N", *dims]) + ")"

    def signature(self) -> str:
        """``def __init__(self, in_channels, planes=64):``: sizes first, then the block's params."""
        declared = self.block.declared if self.block is not None else {}
        required = [arg.name for arg in self.inferred]
        required += [self.param_names[p] for p, param in declared.items() if param.required]
        optional = [f"{self.param_names[p]}={render(param.default)}" for p, param in declared.items() if not param.required]
        return "    def __init__(" + ", ".join(["self", *required, *optional]) + "):"


@dataclass
class _BlockClass:
    name: str
    block: BlockDef
    occurrences: list[CheckResult]
    chain: list[str] | None        # the node ids of an nn.Sequential (None: a class with forward)
    attrs: dict                    # node id -> attribute name (an nn.Sequential's: its index)
    scope: _Scope | None = None


def _plan_classes(result: CheckResult, taken: set) -> tuple[list[_BlockClass], dict]:
    """The classes to write, each after the ones it uses, and the class of each instance's inside."""
    occurrences: dict[str, list[CheckResult]] = {}
    order: list[str] = []
    seen: set[int] = set()

    def gather(outer: CheckResult) -> None:
        for node in outer.graph.nodes:
            inside = outer.instances.get(node.id)
            if inside is None or id(inside) in seen:
                continue
            seen.add(id(inside))
            occurrences.setdefault(inside.graph.name, []).append(inside)
            gather(inside)
            if inside.graph.name not in order:
                order.append(inside.graph.name)

    gather(result)
    used_names = set(taken) | RESERVED
    classes, class_of = [], {}
    for block_name in order:
        block = occurrences[block_name][0].graph
        chain = _sequential_chain(block, occurrences[block_name][0])
        attrs = {n: n for n in chain} if chain else identifiers([n.id for n in block.nodes])
        variants: dict[tuple, _BlockClass] = {}
        for inside in occurrences[block_name]:
            signature = _class_signature(inside, attrs, class_of)
            if signature not in variants:
                wanted = block_name if not variants else f"{block_name}{len(variants) + 1}"
                name = _free_class_name(wanted, used_names)
                variants[signature] = _BlockClass(name, block, [], chain, attrs)
            variants[signature].occurrences.append(inside)
            class_of[id(inside)] = variants[signature]
        classes += variants.values()
    for block_class in classes:
        taken_here = {c.name for c in classes} | taken
        block_class.scope = _Scope(block_class.occurrences, block_class.block, taken=taken_here)
    return classes, class_of


def _free_class_name(wanted: str, used: set) -> str:
    name = wanted if wanted not in used else wanted + "Block"
    base, i = name, 2
    while name in used:
        name, i = f"{base}{i}", i + 1
    used.add(name)
    return name


def _sequential_chain(block: BlockDef, inside: CheckResult) -> list[str] | None:
    """The node ids 0, 1, 2, ... when the block is one Input, a chain of modules with those ids and
    one Output: it is then written as nn.Sequential (state dict keys layer1.0.conv1.weight)."""
    body = [n for n in block.nodes if n.type not in ("Input", "Output")]
    ids = [str(i) for i in range(len(body))]
    if not body or sorted(n.id for n in body) != sorted(ids) or len(block.input_nodes()) != 1 \
            or len(block.output_nodes()) != 1 or len(block.edges) != len(body) + 1:
        return None
    chain = [block.input_nodes()[0], *ids, block.output_nodes()[0]]
    if any(inside.sources(b) != [(a, 0)] for a, b in zip(chain, chain[1:])):
        return None
    for node_id in ids:
        node = block.node(node_id)
        if node.type == INSTANCE:
            inner = inside.instances.get(node_id)
            if inner is None or len(inner.input_nodes()) != 1 or len(inner.output_nodes()) != 1:
                return None
        elif catalog.get(node.type).module_for(inside.params[node.id]) is None or catalog.get(node.type).forward is not None:
            return None
        elif inside.params[node_id].get("init", "default") != "default":
            return None   # nn.Sequential has no __init__ of ours to call nn.init in
    return ids


def _class_signature(inside: CheckResult, attrs: dict, class_of: dict) -> tuple:
    """What the forward of a class made for this inside would read: insides with the same signature share a class."""
    values = value_names(inside, identifiers([n.id for n in inside.graph.nodes]))
    out = []
    for node_id in inside.order:
        node = inside.graph.node(node_id)
        if node.type == INSTANCE:
            out.append((node_id, class_of[id(inside.instances[node_id])].name))
        elif node.type not in ("Input", "Output"):
            spec = catalog.get(node.type)
            if spec.forward is not None:
                ins = [values[value_key(*source)] for source in inside.sources(node_id)]
                out.append((node_id, *spec.forward(values[node_id], ins, attrs[node_id], inside.params[node_id],
                                                   inside.input_shapes(node_id))))
            if inside.params[node_id].get("init", "default") != "default":
                out.append((node_id, "init", inside.params[node_id]["init"]))   # __init__ reads differently
    return tuple(out)


def _init_lines(result: CheckResult, node_id: str, attr: str) -> list[str]:
    """__init__'s nn.init lines for a node's ``init`` param (none at its default)."""
    init = result.params[node_id].get("init", "default")
    return ["        " + line for line in init_lines(result.graph.node(node_id).type, attr, init)]


def _block_class_lines(block_class: _BlockClass, class_of: dict) -> list[str]:
    scope, attrs = block_class.scope, block_class.attrs
    first = block_class.occurrences[0]
    block = block_class.block
    if block_class.chain is not None:
        items = []
        for node_id in block_class.chain:
            shape = scope.shape_comment([o.shapes[node_id] for o in block_class.occurrences])
            items.append(f"            {_constructor(scope, block.node(node_id), attrs, class_of)},  # {shape}")
        body = ["        super().__init__(", *items, "        )"]
        return [f"class {block_class.name}(nn.Sequential):", scope.signature(), *body]
    values = value_names(first, attrs)
    nodes = [n for n in first.order if block.node(n).type not in ("Input", "Output")]
    init = []
    for node_id in nodes:
        constructor = _constructor(scope, block.node(node_id), attrs, class_of)
        if constructor:
            init.append(f"        self.{attrs[node_id]} = {constructor}")
            init += _init_lines(first, node_id, attrs[node_id])
    steps = [_node_step(scope, attrs, values, n) for n in nodes]
    returned = [value_key(*first.sources(n)[0]) for n in first.output_nodes()]
    forward = [f"    def forward(self, {', '.join(values[n] for n in first.input_nodes())}):"]
    forward += _method_lines(steps, returned, values)
    init = ["        super().__init__()", *(init or ["        # no learnable layers"])]
    return [f"class {block_class.name}(nn.Module):", scope.signature(), *init, "", *forward]


def _constructor(scope: _Scope, node, names: dict, class_of: dict) -> str | None:
    """The module a node makes in __init__ (None: written inline in forward)."""
    if node.type == INSTANCE:
        return _instance_constructor(scope, node, class_of)
    spec = catalog.get(node.type)
    first = scope.occurrences[0]
    p = first.params[node.id]
    if spec.module_for(p) is None:
        return None
    refs = {key: param_ref(value) for key, value in node.params.items() if param_ref(value) is not None}
    args = []
    if spec.size_args:
        sizes = [spec.size_args(o.input_shapes(node.id), o.params[node.id]) for o in scope.occurrences]
        for i, size_name in enumerate(spec.size_names):
            args.append(scope.express([s[i] for s in sizes], f"{names[node.id]}_{size_name}"))
    args += [scope.param_names[refs[name]] if name in refs else render(p[name]) for name in spec.positional]
    for param in spec.params:
        value = p[param.name]
        if not param.torch_arg or param.name in spec.positional:
            continue
        if param.name in refs:
            args.append(f"{param.name}={scope.param_names[refs[param.name]]}")
        elif value != param.default or (param.always_render and value is not None):
            args.append(f"{param.name}={render(value)}")
    args += [f"{k}={render(v)}" for k, v in spec.fixed_kwargs]
    return f"{spec.module_for(p)}({', '.join(args)})"


def _instance_constructor(scope: _Scope, node, class_of: dict) -> str:
    """``BasicBlock(in_channels=64, planes=128, stride=2)``: the class of this instance's inside,
    its size arguments and the args the instance gives (a ``$param`` as the outer param's name)."""
    insides = [o.instances[node.id] for o in scope.occurrences]
    child = class_of[id(insides[0])]
    kwargs = []
    for arg in child.scope.inferred:
        kwargs.append(f"{arg.name}={scope.express([arg.values[id(i)] for i in insides], arg.name)}")
    given = node.params.get("args") or {}
    for param in child.block.declared:
        if param not in given:
            continue
        ref = param_ref(given[param])
        value = scope.param_names[ref] if ref is not None else render(scope.occurrences[0].params[node.id]["args"][param])
        kwargs.append(f"{child.scope.param_names[param]}={value}")
    return f"{child.name}({', '.join(kwargs)})"


def _module_paths(result: CheckResult, names: dict, class_of: dict, prefix: tuple = (), dotted: str = "") -> dict:
    """Node path -> the dotted path of its module in the model (``layer1.0.conv1``), for every node
    that has one, inside instances too."""
    out = {}
    for node in result.graph.nodes:
        inside = result.instances.get(node.id)
        spec = catalog.get(node.type)
        if inside is None and (spec is None or spec.module_for(result.params[node.id]) is None):
            continue
        path, where = prefix + (node.id,), dotted + names[node.id]
        out[path] = where
        if inside is not None:
            block_class = class_of[id(inside)]
            out.update(_module_paths(inside, block_class.attrs, class_of, path, where + "."))
    return out


@dataclass
class _Step:
    """One statement of forward or decode: its lines (the last may end in a note), what it reads, its shapes."""
    lines: list[str]
    reads: list[str]    # value keys
    shape: str          # the shape comment


def _node_step(scope: _Scope, names: dict, values: dict, node_id: str) -> _Step:
    first = scope.occurrences[0]
    node = first.graph.node(node_id)
    reads = [value_key(*source) for source in first.sources(node_id)]
    ins = [values[k] for k in reads]
    if node.type == INSTANCE:
        ports = range(len(first.port_shapes.get(node_id, ())))
        targets = [values.get(value_key(node_id, port), "_") for port in ports]
        code = [f"{', '.join(targets)} = self.{names[node_id]}({', '.join(ins)})"]
        shape = ", ".join(scope.shape_comment([o.port_shapes[node_id][port] for o in scope.occurrences]) for port in ports)
        return _Step(code, reads, shape)
    spec = catalog.get(node.type)
    out = values[node_id]
    params = first.params[node_id]
    if spec.extra_inputs is not None:
        more_reads, more_params = spec.extra_inputs(first, node_id)
        reads, ins, params = reads + more_reads, ins + [values[k] for k in more_reads], {**params, **more_params}
    if spec.forward is not None:
        code = spec.forward(out, ins, names[node_id], params, first.input_shapes(node_id))
    else:
        code = [f"{out} = self.{names[node_id]}({ins[0]})"]
    return _Step(code, reads, scope.shape_comment([o.shapes[node_id] for o in scope.occurrences]))


def _decode_call(result: CheckResult, values: dict, z: str, outs: list[str]) -> _Step:
    """forward's one line for the decoder: the values decode returns, each named once."""
    decoded = [value_key(*result.sources(n)[0]) for n in outs]
    targets = [values[d] if d not in decoded[:i] else "_" for i, d in enumerate(decoded)]
    shapes = ", ".join(_shape_comment(_key_shape(result, d)) for d in dict.fromkeys(decoded))
    return _Step([f"{', '.join(targets)} = self.decode({values[z]})"], [z], shapes)


def _key_shape(result: CheckResult, key: str):
    node_id, _, port = key.partition("#")
    return result.shape_at(node_id, int(port or 0))


def _method_lines(steps: list[_Step], returned: list[str], values: dict) -> list[str]:
    """A method's body. As in torch.fx's generated code, each value is dropped (``name = None``)
    right after the statement that uses it last, so the memory of a deep chain stays that of a
    few layers instead of all of them until ``return``."""
    last_use = {src: i for i, step in enumerate(steps) for src in step.reads}
    out = []
    for i, step in enumerate(steps):
        dead = [values[s] for s in dict.fromkeys(step.reads) if last_use[s] == i and s not in returned]
        *head, last = step.lines
        code, _, note = last.partition("  # ")
        if dead:
            code += ";  " + " = ".join(dead + ["None"])
        comment = f"{note}: {step.shape}" if note else step.shape
        out += ["        " + line for line in head] + [f"        {code}  # {comment}"]
    out.append("        return " + ", ".join(values[n] for n in returned))
    return out


def _decoder(graph: Graph, result: CheckResult):
    """(z node, decoder nodes in order, decoder outputs) when everything after a Reparameterize depends on it alone."""
    reparams = [n.id for n in graph.nodes if n.type == "Reparameterize"]
    if len(reparams) != 1:
        return None
    z = reparams[0]
    after = nx.descendants(graph.nx(), z)
    for node_id in after:
        if any(s not in after and s != z for s in result.inputs.get(node_id, [])):
            return None   # the decoder also reads encoder tensors (a skip connection): no standalone decode
    outs = [n for n in result.output_nodes() if n in after]
    if not outs:
        return None
    nodes = [n for n in result.order if n in after and graph.node(n).type != "Output"]
    return z, nodes, outs


def _decoder_is_one_stretch(body: list[str], nodes: list[str]) -> bool:
    """forward may call decode only when the decoder's lines run together: then every layer,
    and every random draw, comes in the same order as written out."""
    return bool(nodes) and body.index(nodes[-1]) - body.index(nodes[0]) == len(nodes) - 1


def _layer_types(result: CheckResult) -> set[str]:
    """Every layer type the model uses, inside block instances too."""
    types_ = {n.type for n in result.graph.nodes}
    for inside in result.instances.values():
        types_ |= _layer_types(inside)
    return types_


def _example_input(result: CheckResult, input_id: str) -> str | None:
    """A layer's own example for the Input that feeds it directly (the tree layers' random trees)."""
    for nxt in result.graph.nx().successors(input_id):
        spec = catalog.get(result.graph.node(nxt).type)
        if spec is not None and spec.example_input:
            return spec.example_input.format(slots=result.shapes[input_id][0], **result.params[nxt])
    return None


def _token_limit(result: CheckResult, input_id: str) -> int:
    """Smallest num_embeddings among the Embeddings an int64 Input feeds (through reshapes, merges
    and block instances)."""
    limits = _embedding_limits(result, [input_id])
    return min(limits) if limits else 2


def _embedding_limits(result: CheckResult, starts: list[str]) -> list[int]:
    g = result.graph.nx()
    limits, stack, tokens, seen = [], list(starts), set(starts), set(starts)
    while stack:
        for nxt in g.successors(stack.pop()):
            if nxt in seen:
                continue
            seen.add(nxt)
            inside = result.instances.get(nxt)
            if result.graph.node(nxt).type == "Embedding":
                limits.append(result.params[nxt]["num_embeddings"])
            elif inside is not None:
                fed = [inside.input_nodes()[k] for k, (source, _) in enumerate(result.sources(nxt)) if source in tokens]
                limits += _embedding_limits(inside, fed)
            if result.graph.node(nxt).type != "Embedding" and result.dtypes.get(nxt) == "int64":
                tokens.add(nxt)
                stack.append(nxt)
    return limits


def _smoke_test(cls: str) -> list[str]:
    return [
        "",
        "",
        'if __name__ == "__main__":',
        "    torch.manual_seed(0)",
        f"    model = {cls}().eval()",
        "    with torch.no_grad():",
        "        outputs = model(*example_inputs())",
        "    if not isinstance(outputs, tuple):",
        "        outputs = (outputs,)",
        f"    for name, output in zip({cls}.output_names, outputs):",
        f"        expected = (2,) + {cls}.output_shapes[name]",
        "        assert tuple(output.shape) == expected, (name, tuple(output.shape), expected)",
        '        print(f"{name}: {tuple(output.shape)}")',
        "    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)",
        '    print(f"trainable parameters: {trainable:,}")',
    ]


# -- compiling ------------------------------------------------------------------------
@dataclass
class Compiled:
    model_class: type
    source: str
    generated: Generated
    filename: str

    def build(self):
        return self.model_class()


_cache: dict[str, Compiled] = {}


def compile_source(source: str, cls: str) -> tuple[type, str]:
    """Exec generated source as its own module; tracebacks show its lines via linecache."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:12]
    filename = f"<netcanvas-model-{digest}>"
    code = compile(source, filename, "exec")
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(f"netcanvas_model_{digest}")
    module.__file__ = filename
    exec(code, module.__dict__)   # our own generated text: validated values and identifiers only
    return getattr(module, cls), filename


def compile_graph(doc: dict | Graph, result: CheckResult | None = None) -> Compiled:
    generated = generate(doc, result)
    hit = _cache.get(generated.source)
    if hit is not None:
        return hit
    model_class, filename = compile_source(generated.source, generated.class_name)
    compiled = Compiled(model_class=model_class, source=generated.source, generated=generated, filename=filename)
    _cache[generated.source] = compiled
    return compiled


def build_model(doc: dict | Graph):
    """A fresh nn.Module for a graph that checks."""
    return compile_graph(doc).build()
