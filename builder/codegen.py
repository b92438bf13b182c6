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
from dataclasses import dataclass

import networkx as nx

from . import catalog
from .errors import CheckError
from .graph import Graph
from .shapes import CheckResult, check

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
                             "input_shapes", "output_shapes", "latent_shape", "decode"})
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


def generate(doc: dict | Graph, result: CheckResult | None = None) -> Generated:
    """The standalone source for a graph that checks; raises CodegenError otherwise."""
    result = result or check(doc)
    if not result.ok:
        raise CodegenError(result.errors)
    graph = result.graph
    names = identifiers([n.id for n in graph.nodes])
    values = value_names(result, names)
    cls = class_name(graph.name)
    types_ = {n.id: n.type for n in graph.nodes}
    inputs = result.input_nodes()
    outputs = result.output_nodes()
    returned = [result.inputs[n][0] for n in outputs]
    body = [n for n in result.order if types_[n] not in ("Input", "Output")]

    lines = [
        f"# Generated by NetCanvas from the graph {py_str(graph.name[:80])}.",
        "# It needs only PyTorch. Run this file to smoke-test the model.",
        "import torch",
        "from torch import nn",
        "",
        "",
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
    for node_id in body:
        ctor = _constructor(result, node_id)
        if ctor:
            lines.append(f"        self.{names[node_id]} = {ctor}")
    if not any(_constructor(result, n) for n in body):
        lines.append("        # no learnable layers")

    steps = [_node_step(result, names, values, n) for n in body]
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
        lines += _method_lines([_node_step(result, names, values, n) for n in nodes],
                               [result.inputs[n][0] for n in outs], values)

    lines += ["", "", "def example_inputs(batch_size=2):",
              "    \"\"\"A random batch with the shapes, dtypes and value ranges the model takes.\"\"\"",
              "    return ("]
    for n in inputs:
        shape = ", ".join(str(d) for d in result.shapes[n])
        if result.dtypes[n] == "int64":
            lines.append(f"        torch.randint(0, {_token_limit(result, n)}, (batch_size, {shape})),")
        else:
            lines.append(f"        torch.randn(batch_size, {shape}),")
    lines.append("    )")
    lines += _smoke_test(cls)
    source = "\n".join(lines) + "\n"
    return Generated(source=source, class_name=cls, result=result, names=names, values=values)


def value_names(result: CheckResult, names: dict[str, str]) -> dict[str, str]:
    """Node id -> the local variable that holds its tensor in forward, distinct and safe.

    Named by meaning where the graph says it: the value an Output returns takes the
    Output's name (a VAE's ``mu`` and ``logvar``), a recurrent layer's final state is
    ``h_n``. Such a name never takes another node's identifier, so every other value,
    and every Input (forward's parameters), keeps its node's identifier.
    """
    graph = result.graph
    meaning: dict[str, str] = {}
    for out in result.output_nodes():
        meaning.setdefault(result.inputs[out][0], result.io_name(out))
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
    return values


def _plain_identifier(text: str) -> bool:
    """Usable as it is for a local variable: what identifiers() would keep unchanged."""
    return text.isascii() and text.isidentifier() and not text.startswith("_") and text not in RESERVED


def _constructor(result: CheckResult, node_id: str) -> str | None:
    spec = catalog.get(result.graph.node(node_id).type)
    if spec.module is None:
        return None
    p = result.params[node_id]
    ins = [result.shapes[s] for s in result.inputs[node_id]]
    args = [render(v) for v in (spec.size_args(ins, p) if spec.size_args else [])]
    args += [render(p[name]) for name in spec.positional]
    for param in spec.params:
        value = p[param.name]
        if not param.torch_arg or param.name in spec.positional:
            continue
        if value != param.default or (param.always_render and value is not None):
            args.append(f"{param.name}={render(value)}")
    args += [f"{k}={render(v)}" for k, v in spec.fixed_kwargs]
    return f"{spec.module}({', '.join(args)})"


@dataclass
class _Step:
    """One statement of forward or decode: its lines (the last may end in a note), what it reads, its shapes."""
    lines: list[str]
    reads: list[str]    # node ids
    shape: str          # the shape comment


def _node_step(result: CheckResult, names: dict, values: dict, node_id: str) -> _Step:
    spec = catalog.get(result.graph.node(node_id).type)
    srcs = result.inputs[node_id]
    ins = [values[s] for s in srcs]
    out = values[node_id]
    if spec.forward is not None:
        code = spec.forward(out, ins, names[node_id], result.params[node_id], [result.shapes[s] for s in srcs])
    else:
        code = [f"{out} = self.{names[node_id]}({ins[0]})"]
    return _Step(code, srcs, _shape_comment(result.shapes[node_id]))


def _decode_call(result: CheckResult, values: dict, z: str, outs: list[str]) -> _Step:
    """forward's one line for the decoder: the values decode returns, each named once."""
    decoded = [result.inputs[n][0] for n in outs]
    targets = [values[d] if d not in decoded[:i] else "_" for i, d in enumerate(decoded)]
    shapes = ", ".join(_shape_comment(result.shapes[d]) for d in dict.fromkeys(decoded))
    return _Step([f"{', '.join(targets)} = self.decode({values[z]})"], [z], shapes)


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


def _token_limit(result: CheckResult, input_id: str) -> int:
    """Smallest num_embeddings among the Embeddings an int64 Input feeds (through reshapes and merges)."""
    g = result.graph.nx()
    limits, stack, seen = [], [input_id], {input_id}
    while stack:
        for nxt in g.successors(stack.pop()):
            if nxt in seen:
                continue
            seen.add(nxt)
            if result.graph.node(nxt).type == "Embedding":
                limits.append(result.params[nxt]["num_embeddings"])
            elif result.dtypes.get(nxt) == "int64":
                stack.append(nxt)
    return min(limits) if limits else 2


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
