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
    v.insideKey = undefined; // the body was emptied: an expanded inside is drawn again
    const rows = Math.max(pc.n, nOut, 1);
    v.body.style.minHeight = `${rows * ROW + 2 * PAD}px`;
    const a = own(nodesOf(this.shown()), v.id);
    this.applyBlockAnnotation(v, a);
  }

  // The shapes that flow into and out of an instance, as rows under its name.
  applyBlockAnnotation(v, a) {
    if (!v.blockRows) return;
    this.applyInside(v, a);
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

  // A card's width: an instance expanded in place is as wide as its inside.
  width(v) {
    return v.w || NODE_W;
  }

  // An instance expanded in place (its uiCollapsed false) is a frame with a small card per layer
  // inside, as the annotation's "inside" says: {w, h, card_w, card_h, nodes: [{id, title, block,
  // shape, error, x, y}], edges: [[id, id]]}. The cards are read-only: the instance stays one node.
  applyInside(v, a) {
    const inside = isObj(a) && isObj(a.inside) ? a.inside : null;
    const key = inside ? JSON.stringify(inside) : null;
    if (key === v.insideKey) return;
    v.insideKey = key;
    if (v.insideEl) v.insideEl.remove();
    v.insideEl = null;
    v.el.classList.toggle("nc-expanded", !!inside);
    v.w = inside && finite(inside.w) ? clamp(inside.w, NODE_W, 20000) : null;
    v.el.style.width = v.w ? `${v.w}px` : "";
    if (inside) v.insideEl = v.body.appendChild(this.insideEl(inside));
    v.h = null;
    for (const ev of (this.adj && this.adj.get(v.id)) || []) this.routeEdge(ev);
  }

  insideEl(inside) {
    const box = h("div", "nc-inside");
    const w = clamp(finite(inside.w) ? inside.w : NODE_W, 1, 20000), ht = clamp(finite(inside.h) ? inside.h : 60, 1, 20000);
    const cw = finite(inside.card_w) ? inside.card_w : 150, ch = finite(inside.card_h) ? inside.card_h : 46;
    box.style.height = `${ht}px`;
    const svg = box.appendChild(s("svg", { class: "nc-inside-edges", width: w, height: ht }));
    const at = new Map();
    for (const n of Array.isArray(inside.nodes) ? inside.nodes : []) {
      if (!isObj(n) || !finite(n.x) || !finite(n.y)) continue;
      const card = box.appendChild(h("div", "nc-mini"));
      card.classList.toggle("nc-mini-block", !!n.block);
      card.classList.toggle("err", !!n.error);
      card.dataset.inner = String(n.id);
      card.style.cssText = `left:${n.x}px;top:${n.y}px;width:${cw}px;height:${ch}px`;
      const head = card.appendChild(h("div", "nc-mini-head"));
      head.appendChild(h("span", "nc-mini-title", String(n.title)));
      head.appendChild(h("span", "nc-mini-id", String(n.id)));
      const shape = card.appendChild(h("div", "nc-mini-shape", typeof n.shape === "string" && n.shape ? n.shape : "?"));
      card.title = `${n.id} · ${n.title} · ${shape.textContent}`;
      at.set(String(n.id), [n.x, n.y]);
    }
    for (const e of Array.isArray(inside.edges) ? inside.edges : []) {
      const from = Array.isArray(e) ? at.get(String(e[0])) : null, to = Array.isArray(e) ? at.get(String(e[1])) : null;
      if (!from || !to) continue;
      svg.appendChild(s("path", { class: "nc-inside-edge", d: bezier(from[0] + cw, from[1] + ch / 2, to[0], to[1] + ch / 2).d }));
    }
    return box;
  }
}
