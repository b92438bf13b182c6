"""What the Build page shows, computed from a check result (no streamlit here, so it is unit-tested)."""
from __future__ import annotations

from builder import catalog
from builder.errors import fmt_shape
from builder.i18n import pick, translate
from builder.shapes import CheckResult

BYTES_PER_PARAM = 4   # float32


def palette(lang: str) -> list[dict]:
    """The canvas palette from the catalog, with translated titles and category labels."""
    out = []
    for spec in catalog.all_specs():
        entry = spec.palette_entry(lang)
        entry["category_label"] = translate(f"category.{spec.category}", lang)
        out.append(entry)
    return out


def annotations(result: CheckResult, lang: str) -> dict:
    """Shapes, parameter counts and errors in place on the canvas."""
    nodes = {}
    for node in result.graph.nodes:
        errs = result.errors_for(node.id)
        nodes[node.id] = {
            "shape": fmt_shape(result.shapes[node.id]) if result.shapes.get(node.id) is not None else None,
            "params": result.counts.get(node.id, 0),
            "error": "\n".join(e.text(lang) for e in errs) or None,
            "warning": "\n".join(a.text(lang) for a in advice_for(result, node.id)) or None,
        }
    edges = {}
    edge_errors = {}
    for e in result.errors:
        if e.edge is not None:
            edge_errors.setdefault(e.edge, []).append(e.text(lang))
    for e in result.graph.edges:
        shape = result.shapes.get(e.source)
        edges[f"{e.source}->{e.target}:{e.port}"] = {
            "shape": fmt_shape(shape) if shape is not None else None,
            "error": "\n".join(edge_errors.get((e.source, e.target), [])) or None,
        }
    graph_errors = [e.text(lang) for e in result.errors if e.node is None and e.edge is None]
    return {"nodes": nodes, "edges": edges, "graph_errors": graph_errors}


def advice_for(result: CheckResult, node_id: str) -> list:
    """What checks on ``node_id`` but will probably not train as meant (builder.advice)."""
    return [a for a in result.advice if a.node == node_id]


def summary_rows(result: CheckResult, lang: str) -> list[dict]:
    """A torchinfo-like table: node, type, output shape, parameters and their share of the total."""
    total = max(1, result.total_params)
    rows = []
    order = result.order or [n.id for n in result.graph.nodes]
    for node_id in order:
        node = result.graph.node(node_id)
        spec = catalog.get(node.type)
        count = result.counts.get(node_id, 0)
        rows.append({
            translate("summary.node", lang): node_id,
            translate("summary.type", lang): pick(spec.title, lang) if spec else _type_name(node),
            translate("summary.shape", lang): fmt_shape(result.shapes[node_id]) if result.shapes.get(node_id) else "—",
            translate("summary.params", lang): count,
            translate("summary.share", lang): count / total,
        })
    return rows


def _type_name(node) -> str:
    """What the summary calls a node without a catalog entry: a block instance by its block's name."""
    block = node.params.get("block") if node.type == "Block" and isinstance(node.params, dict) else None
    return block if isinstance(block, str) else node.type


def model_size_mb(result: CheckResult) -> float:
    return result.total_params * BYTES_PER_PARAM / 2**20
