// Canvas part: blocks. How a block instance (a node of type "Block", its params naming the block)
// is drawn and added: its palette entry comes from the "My blocks" section (type "block:<name>",
// node_type "Block", block "<name>", inputs/outputs counted from the definition); the card shows
// the block's name and a badge, one input port per block input and one output port per block
// output (an edge's source_port picks the output), and rows with the shapes that flow in and out
// (annotations from Python: {"block": {"in": [shape], "out": [shape]}}). Grouping, expanding and
// editing a definition are Python's (builder/block_edit.py): the canvas only draws the result.
// Methods of Canvas (mixed in by canvas.js).

const BLOCK_NODE_TYPE = "Block";

class BlocksPart {
  // The palette entry that draws `node`: a block instance's is its block's ("block:<name>").
  entryForNode(node) {
    if (!isObj(node) || node.type !== BLOCK_NODE_TYPE) return this.entryFor(isObj(node) ? node.type : "");
    const name = isObj(node.params) && typeof node.params.block === "string" ? node.params.block : "";
    const entry = this.types.get("block:" + name);
    if (entry) return entry;
    return {
      type: "block:" + name, node_type: BLOCK_NODE_TYPE, block: name, title: name || BLOCK_NODE_TYPE,
      category: "my_blocks", inputs: { min: 1, max: 1 }, outputs: 1, key_params: [], unknown: true,
    };
  }

  // The node type an entry adds ("Block" for a block of My blocks).
  nodeTypeOf(entry) {
    return typeof entry.node_type === "string" && entry.node_type ? entry.node_type : entry.type;
  }

  // What a new node's id starts with: the block's name for an instance, else the type.
  idBaseOf(entry) {
    return typeof entry.block === "string" && entry.block ? entry.block : this.nodeTypeOf(entry);
  }

  // Default params of a new node from an entry (a block instance: {"block": name}).
  paramsOf(entry) {
    let params = {};
    try { params = isObj(entry.defaults) ? JSON.parse(JSON.stringify(entry.defaults)) : {}; } catch (err) { params = {}; }
    if (typeof entry.block === "string" && entry.block && this.nodeTypeOf(entry) === BLOCK_NODE_TYPE) params.block = entry.block;
    return params;
  }

  // How many outputs a node has: a block's outputs, else one (none for an Output).
  outCount(v) {
    if (!v.hasOut) return 0;
    const n = v.entry && Number.isInteger(v.entry.outputs) ? v.entry.outputs : 1;
    return clamp(n, 1, MAX_PORTS);
  }

  outPortEl(v, k) {
    return k === 0 ? v.outPort : (v.extraOut || [])[k - 1] || null;
  }

  // Called at the end of fillBody for every node: a block instance gets its look, its other output
  // ports and the rows its annotation fills.
  fillBlockBody(v, pc) {
    for (const p of v.extraOut || []) p.remove();
    v.extraOut = [];
    const isBlock = v.node.type === BLOCK_NODE_TYPE;
    v.el.classList.toggle("nc-block", isBlock);
    if (!isBlock) return;
    if (!v.badge) {
      v.badge = h("span", "nc-block-badge");
      v.el.querySelector(".nc-head").insertBefore(v.badge, v.el.querySelector(".nc-id"));
    }
    v.badge.textContent = this.t("block_badge");
    const nOut = this.outCount(v);
    const names = Array.isArray(v.entry.output_names) ? v.entry.output_names.map(String) : [];
    if (v.outPort && names[0]) v.outPort.title = names[0];
    for (let k = 1; k < nOut; k++) {
      const p = h("div", "nc-port nc-out");
      p.dataset.port = String(k);
      p.style.top = `${HEAD_H + PAD + ROW * k + ROW / 2}px`;
      if (names[k]) p.title = names[k];
      v.el.appendChild(p);
      v.extraOut.push(p);
    }
    v.blockRows = v.body.appendChild(h("div", "nc-block-rows"));
    v.blockKey = null;
    const rows = Math.max(pc.n, nOut, 1);
    v.body.style.minHeight = `${rows * ROW + 2 * PAD}px`;
    const a = own(isObj(this.annotations.nodes) ? this.annotations.nodes : {}, v.id);
    this.applyBlockAnnotation(v, a);
  }

  // The shapes that flow into and out of an instance, as rows under its name.
  applyBlockAnnotation(v, a) {
    if (!v.blockRows) return;
    const b = isObj(a) && isObj(a.block) ? a.block : {};
    const ins = Array.isArray(b.in) ? b.in.map(formatShape).map((x) => x || "?") : [];
    const outs = Array.isArray(b.out) ? b.out.map(formatShape).map((x) => x || "?") : [];
    const key = JSON.stringify([ins, outs, this.t("block_in"), this.t("block_out")]);
    if (key === v.blockKey) return;
    v.blockKey = key;
    v.blockRows.replaceChildren();
    const row = (label, shapes) => {
      if (!shapes.length) return;
      const r = v.blockRows.appendChild(h("div", "nc-row nc-block-row"));
      r.appendChild(h("span", "nc-k", label));
      const val = r.appendChild(h("span", "nc-v", shapes.join(" · ")));
      val.title = val.textContent;
    };
    row(this.t("block_in"), ins);
    row(this.t("block_out"), outs);
    v.h = null;
  }
}
