// Canvas part: the protocol with Python. Takes `data` in (strings, palette,
// annotations, ack, and the graph when its rev changes) and sends state out with
// setStateValue / setTriggerValue: the whole graph plus a sequence number after an
// edit, the selection, and undo/redo commands, which block edits until Python
// acknowledges them (see ui/canvas/__init__.py for the contract). Methods of Canvas
// (mixed in by canvas.js).

const COMMAND_TIMEOUT_MS = 3000;
const DRAWN_FALLBACK_MS = 400;     // tellDrawn, in a page that draws no frames (hidden)

class ProtocolPart {
  // ------------------------------------------------------------ data from Python
  setApi(setStateValue, setTriggerValue) {
    if (typeof setStateValue === "function") this.api.setStateValue = setStateValue;
    if (typeof setTriggerValue === "function") this.api.setTriggerValue = setTriggerValue;
  }

  update(d) {
    const t0 = performance.now();
    const whole = this.takePayload(d);
    if (whole) {
      this.updateInner(whole);
      this.tellDrawn(whole.drawn);
    }
    this.stats.updates += 1;
    this.stats.updateMsLast = performance.now() - t0;
  }

  // A payload is whole (`payload.base` null) or has only what changed since payload `base`
  // (ui/canvas/__init__.py, payload_for): the data to apply, with what was left out taken from
  // the canvas's own; null when it builds on a payload this canvas does not hold (lost on the way,
  // or the canvas is new): then ask Python for a whole one. `payloadId`: the last payload taken
  // (undefined until the first), `resyncAsked`: the payload a whole one was asked for instead.
  takePayload(d) {
    const p = isObj(d.payload) ? d.payload : null;
    if (!p || p.base === null || p.base === undefined) {
      if (p) this.payloadId = p.id;
      return d;
    }
    if (p.id === this.payloadId && this.taken) return { ...d, annotations: this.annotations }; // the same one again
    if (p.base !== this.payloadId || !this.taken) {
      // a request to show a node is sent once: take it now, not lost with the rest of this payload
      if (this.taken) this.takeFocus(d.focus);
      if (this.resyncAsked !== p.id) {
        this.resyncAsked = p.id;
        this.api.setTriggerValue("resync", { id: p.id });
      }
      return null;
    }
    this.payloadId = p.id;
    this.patchAnnotations(isObj(d.annotations_patch) ? d.annotations_patch : {});
    return { ...d, annotations: this.annotations };
  }

  patchAnnotations(patch) {
    const a = isObj(this.annotations) ? this.annotations : {};
    for (const part of ["nodes", "edges"]) {
      if (!isObj(a[part])) a[part] = {};
      const changed = isObj(patch[part]) ? patch[part] : {};
      for (const [k, v] of Object.entries(changed)) {
        if (v === null) delete a[part][k];
        else a[part][k] = v;
      }
    }
    a.graph_errors = Array.isArray(patch.graph_errors) ? patch.graph_errors : [];
    this.annotations = a;
  }

  updateInner(d) {
    // strings and palette: absent from a payload that did not change them
    if (d.strings !== undefined) this.takeStrings(d.strings);
    const paletteChanged = d.palette !== undefined && this.takePalette(d.palette);
    const ack = Number.isInteger(d.ack) ? d.ack : 0;
    if (ack > this.seq) this.seq = ack;
    this.acked = ack;
    if (d.quick_check !== undefined) this.takeQuickCheck(d.quick_check);   // quick.js
    if (this.pendingCmd && ack >= this.pendingCmd.seq) {
      this.pendingCmd = null;
      this.sendQueuedCommand();
    }
    this.annotations = isObj(d.annotations) ? d.annotations : {};
    if (this.quick && this.quick.seq <= ack) this.quick = null;   // Python's own for that edit are here
    const viewKey = typeof d.view_key === "string" ? d.view_key : null;
    const otherDocument = !this.taken || viewKey !== this.viewKey;
    this.viewKey = viewKey;
    if (!this.taken || d.rev !== this.rev) this.takeGraph(d.graph, d.rev, otherDocument ? this.savedView(viewKey) : null);
    else if (paletteChanged) this.renderAll();
    else this.applyAnnotations();
    this.takeFocus(d.focus);
  }

  takeStrings(given) {
    const strings = isObj(given) ? given : {};
    const sk = JSON.stringify(strings);
    if (sk !== this.stringsKey) {
      this.stringsKey = sk;
      this.strings = strings;
      for (const [el, key, prop] of this.labelEls) this.setLabel(el, key, prop);
      this.buildPaletteDom();
    }
  }

  // Whether the palette changed.
  takePalette(given) {
    const palette = Array.isArray(given) ? given.filter((p) => isObj(p) && typeof p.type === "string") : [];
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
    return paletteChanged;
  }

  // Python asks that the page hear when this payload is on the screen (the Build page's summary is then
  // updated by a run of its own): announced once per value, on window (the summary's follower listens,
  // ui/build_fragment.py), and left there for a follower that was not listening at that moment.
  // Announced once the frame showing it is painted (a task after the next animation frame): announced
  // at once, the summary's run came back while that frame waited and React drew the summary first, which
  // held the edit's frame 30-50 ms at 200 nodes. A hidden page paints no frames: then after a while.
  tellDrawn(token) {
    if (typeof token !== "string" || token === this.drawnSent) return;
    this.drawnSent = token;
    let told = false;
    const announce = () => {
      if (told || this.drawnSent !== token) return;
      told = true;
      window.__netcanvasDrawn = token;
      window.dispatchEvent(new CustomEvent("netcanvas:drawn", { detail: token }));
    };
    requestAnimationFrame(() => setTimeout(announce, 0));
    setTimeout(announce, DRAWN_FALLBACK_MS);
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
    const prevViews = this.views;
    const first = !this.taken;
    this.doc = doc;
    this.rev = rev;
    this.taken = true;
    this.index();
    // Keep the selection of nodes that still exist (the property panel keeps its node).
    for (const id of [...this.selNodes]) if (!this.nodes.has(id)) this.selNodes.delete(id);
    this.selEdges.clear();
    if (this.drag) this.cancelDrag();
    if (!view && !first) this.renderKeeping(prevViews);   // a new rev of the shown document
    else this.renderAll();
    const missing = [...this.nodes.values()].filter((n) => !validPos(n.pos));
    if (missing.length) this.layout(new Set(missing.map((n) => n.id)));
    let overlap = false;
    for (const id of this.nodes.keys()) if (prevIds.has(id)) { overlap = true; break; }
    if (view) { this.view = view; this.applyView(); }
    else if (this.nodes.size && (first || !overlap)) this.fit();
  }

  // renderAll for a new rev of the document already shown (a param edited beside the canvas, undo):
  // the views of nodes that did not change are kept (their DOM is not built again), the others are
  // made anew; the edges are drawn again as renderAll does. A node's view is kept when the node, its
  // palette entry and its ports are the same.
  renderKeeping(prevViews) {
    this.views = new Map();
    const els = [];
    for (const n of this.nodes.values()) {
      const old = prevViews.get(n.id);
      let v = null;
      if (old && old.entry === this.entryOfNode(n) && JSON.stringify(old.node) === JSON.stringify(n)) {
        const pc = this.portCounts(n);
        if (pc.n === old.nIn && pc.hasOut === old.hasOut) v = old;
      }
      if (v) {
        v.node = n;
        this.views.set(n.id, v);
      } else {
        v = this.createView(n);
        if (old) old.el.replaceWith(v.el);   // where the old one was (the others stay in place)
      }
      els.push(v.el);
    }
    for (const [id, old] of prevViews) if (this.views.get(id) !== old) old.el.remove();
    const kids = this.nodeLayer.children;
    if (kids.length !== els.length || els.some((el, i) => kids[i] !== el)) this.nodeLayer.replaceChildren(...els);
    this.rebuildEdges();
    this.applyAnnotations();
    this.applySelectionClasses();
    this.updateEmpty();
  }

  // The palette entry a view of `node` is drawn from (the one createView takes).
  entryOfNode(node) {
    return typeof this.entryForNode === "function" ? this.entryForNode(node) : this.entryFor(node.type);
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
    this.quickCheck(); // quick.js: its shapes and errors from the check socket, before the fragment's run
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
