// Canvas part: the protocol with Python. Takes `data` in (strings, palette,
// annotations, ack, and the graph when its rev changes) and sends state out with
// setStateValue / setTriggerValue: the whole graph plus a sequence number after an
// edit, the selection, and undo/redo commands, which block edits until Python
// acknowledges them (see ui/canvas/__init__.py for the contract). Methods of Canvas
// (mixed in by canvas.js).

const COMMAND_TIMEOUT_MS = 3000;

class ProtocolPart {
  // ------------------------------------------------------------ data from Python
  setApi(setStateValue, setTriggerValue) {
    if (typeof setStateValue === "function") this.api.setStateValue = setStateValue;
    if (typeof setTriggerValue === "function") this.api.setTriggerValue = setTriggerValue;
  }

  update(d) {
    const t0 = performance.now();
    this.updateInner(d);
    this.stats.updates += 1;
    this.stats.updateMsLast = performance.now() - t0;
  }

  updateInner(d) {
    const strings = isObj(d.strings) ? d.strings : {};
    const sk = JSON.stringify(strings);
    if (sk !== this.stringsKey) {
      this.stringsKey = sk;
      this.strings = strings;
      for (const [el, key, prop] of this.labelEls) this.setLabel(el, key, prop);
      this.buildPaletteDom();
    }
    const palette = Array.isArray(d.palette) ? d.palette.filter((p) => isObj(p) && typeof p.type === "string") : [];
    const pk = JSON.stringify(palette);
    let paletteChanged = false;
    if (pk !== this.paletteKey) {
      this.paletteKey = pk;
      this.types = new Map();
      for (const p of palette) if (!this.types.has(p.type)) this.types.set(p.type, p);
      this.palette = palette;
      this.buildPaletteDom();
      paletteChanged = true;
    }
    const ack = Number.isInteger(d.ack) ? d.ack : 0;
    if (ack > this.seq) this.seq = ack;
    if (this.pendingCmd && ack >= this.pendingCmd.seq) {
      this.pendingCmd = null;
      this.sendQueuedCommand();
    }
    this.annotations = isObj(d.annotations) ? d.annotations : {};
    const viewKey = typeof d.view_key === "string" ? d.view_key : null;
    const otherDocument = !this.taken || viewKey !== this.viewKey;
    this.viewKey = viewKey;
    if (!this.taken || d.rev !== this.rev) this.takeGraph(d.graph, d.rev, otherDocument ? this.savedView(viewKey) : null);
    else if (paletteChanged) this.renderAll();
    else this.applyAnnotations();
    this.takeFocus(d.focus);
  }

  // Python asks to show a node (an error clicked beside the canvas): select it and centre it, once
  // per request; the selection goes back to Python like a click on the node.
  takeFocus(focus) {
    if (!isObj(focus) || typeof focus.id !== "string" || focus.seq === this.focusSeq) return;
    this.focusSeq = focus.seq;
    const v = this.views.get(focus.id);
    if (!v) return;
    if (this.drag) this.cancelDrag();
    this.setSelection([focus.id], []);
    this.centerOn(v);
    v.el.classList.remove("flash");
    void v.el.offsetWidth; // restart the animation
    v.el.classList.add("flash");
    this.flushSelection();
  }

  // `view`: the view this document was left with (another tab shown again), else null.
  takeGraph(g, rev, view) {
    let doc;
    try { doc = isObj(g) ? JSON.parse(JSON.stringify(g)) : null; } catch (err) { doc = null; }
    if (!doc) doc = { format: "netcanvas.graph", version: 1, nodes: [], edges: [] };
    if (!Array.isArray(doc.nodes)) doc.nodes = [];
    if (!Array.isArray(doc.edges)) doc.edges = [];
    const prevIds = new Set(this.views.keys());
    const first = !this.taken;
    this.doc = doc;
    this.rev = rev;
    this.taken = true;
    this.index();
    // Keep the selection of nodes that still exist (the property panel keeps its node).
    for (const id of [...this.selNodes]) if (!this.nodes.has(id)) this.selNodes.delete(id);
    this.selEdges.clear();
    if (this.drag) this.cancelDrag();
    this.renderAll();
    const missing = [...this.nodes.values()].filter((n) => !validPos(n.pos));
    if (missing.length) this.layout(new Set(missing.map((n) => n.id)));
    let overlap = false;
    for (const id of this.nodes.keys()) if (prevIds.has(id)) { overlap = true; break; }
    if (view) { this.view = view; this.applyView(); }
    else if (this.nodes.size && (first || !overlap)) this.fit();
  }

  index() {
    this.nodes = new Map();
    for (const n of this.doc.nodes) {
      if (isObj(n) && typeof n.id === "string" && !this.nodes.has(n.id)) this.nodes.set(n.id, n);
    }
  }

  // ------------------------------------------------------------ state to Python
  selectionPayload() {
    const ids = [...this.selNodes].filter((id) => this.nodes.has(id));
    const edges = [...this.selEdges].filter((e) => this.edgeViews.has(e)).map(edgeKey);
    return { ids, edges };
  }

  // Send the selection if it differs from what Python last got. Called at the end of
  // an interaction, in the same tick as a doc commit, so one gesture costs one rerun.
  flushSelection() {
    const p = this.selectionPayload();
    const key = JSON.stringify(p.ids) + "|" + JSON.stringify(p.edges);
    if (key === this.lastSentSel) return;
    this.lastSentSel = key;
    this.selSeq += 1;
    this.api.setStateValue("selection", { seq: this.selSeq, ids: p.ids, edges: p.edges });
  }

  editable() {
    if (this.pendingCmd && performance.now() - this.pendingCmd.at > COMMAND_TIMEOUT_MS) {
      this.pendingCmd = null;
      this.cmdQueue = [];
    }
    return !this.pendingCmd;
  }

  commit() {
    for (const n of this.doc.nodes) {
      if (isObj(n) && validPos(n.pos)) n.pos = [Math.round(n.pos[0]), Math.round(n.pos[1])];
    }
    this.seq += 1;
    this.api.setStateValue("doc", { seq: this.seq, rev: this.rev, graph: this.doc });
    this.flushSelection();
    this.updateEmpty();
    this.updateSummary();
  }

  command(name) {
    if (this.pendingCmd) {
      if (performance.now() - this.pendingCmd.at <= COMMAND_TIMEOUT_MS) {
        if (this.cmdQueue.length < 20) this.cmdQueue.push(name);
        return;
      }
      this.pendingCmd = null;
    }
    if (this.drag) this.cancelDrag();
    this.seq += 1;
    this.pendingCmd = { seq: this.seq, at: performance.now() };
    this.api.setTriggerValue("command", { name, seq: this.seq });
  }

  sendQueuedCommand() {
    const next = this.cmdQueue.shift();
    if (next) this.command(next);
  }
}
