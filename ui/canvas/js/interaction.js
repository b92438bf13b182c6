// Canvas part: interaction. Every listener of the canvas (bindEvents) and what it
// does: pointer gestures (drag from the palette, move nodes, connect and detach
// wires, click and rubber-band selection, pan by drag), keys (delete, undo/redo,
// select all, Escape, Space to pan, +/-) and the toolbar buttons. Methods of Canvas
// (mixed in by canvas.js).

const DRAG_THRESHOLD = 4;

class InteractionPart {
  // ------------------------------------------------------------ listeners
  // Every listener of the canvas, attached once to the skeleton buildDom() made.
  bindEvents() {
    const { el, vp, search } = this;
    this.onMove = (e) => this.pointerMove(e);
    this.onUp = (e) => this.pointerUp(e);
    this.onCancel = (e) => this.pointerUp(e, true);
    search.addEventListener("input", () => this.filterPalette());
    search.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { search.value = ""; this.filterPalette(); e.stopPropagation(); }
      if (e.key === "Enter") {
        const first = this.palList.querySelector(".nc-pal-item:not([hidden])");
        if (first) this.addNodeAtCenter(first.dataset.type);
        e.stopPropagation();
      }
    });
    for (const b of this.toolbar.querySelectorAll("button[data-action]")) {
      b.addEventListener("click", (e) => { e.preventDefault(); this.action(b.dataset.action); });
    }
    vp.addEventListener("pointerdown", (e) => this.pointerDown(e));
    vp.addEventListener("wheel", (e) => this.wheel(e), { passive: false });
    vp.addEventListener("pointermove", (e) => { if (e.pointerType === "touch") this.touchMove(e); });
    for (const type of ["pointerup", "pointercancel"]) {
      vp.addEventListener(type, (e) => { if (e.pointerType === "touch") this.touchUp(e); });
    }
    this.edgeLayer.addEventListener("pointerover", (e) => this.edgeHover(e, true));
    this.edgeLayer.addEventListener("pointerout", (e) => this.edgeHover(e, false));
    vp.addEventListener("auxclick", (e) => { if (e.button === 1) e.preventDefault(); });
    vp.addEventListener("contextmenu", (e) => { if (this.drag) e.preventDefault(); });
    vp.addEventListener("dblclick", (e) => { if (!e.target.closest(".nc-node")) e.preventDefault(); });
    this.palList.addEventListener("pointerdown", (e) => this.palettePointerDown(e));
    this.palList.addEventListener("dblclick", (e) => {
      const item = e.target.closest(".nc-pal-item");
      if (item) this.addNodeAtCenter(item.dataset.type);
    });
    this.palList.addEventListener("keydown", (e) => {
      const item = e.target.closest(".nc-pal-item");
      if (item && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); e.stopPropagation(); this.addNodeAtCenter(item.dataset.type); }
    });
    el.addEventListener("keydown", (e) => this.keyDown(e));
    el.addEventListener("keyup", (e) => this.keyUp(e));
    el.addEventListener("blur", () => this.setSpace(false), true);
  }

  // ------------------------------------------------------------ toolbar / keys
  action(name) {
    switch (name) {
      case "select": this.tool = "select"; break;
      case "pan": this.tool = this.tool === "pan" ? "select" : "pan"; break;
      case "undo": this.command("undo"); break;
      case "redo": this.command("redo"); break;
      case "zoom_in": this.zoomAt(1.2); break;
      case "zoom_out": this.zoomAt(1 / 1.2); break;
      case "zoom_reset": this.zoomAt(1 / this.view.k); break;
      case "fit": this.fit(); break;
      case "auto_layout":
        if (!this.editable() || !this.nodes.size) break;
        this.layout(null);
        this.fit();
        this.commit();
        break;
      case "delete": this.deleteSelection(); break;
      default: break;
    }
    this.updateToolbar();
  }

  setSpace(on) {
    this.spaceDown = on;
    this.el.classList.toggle("space", on);
  }

  keyDown(e) {
    const target = e.composedPath ? e.composedPath()[0] : e.target;
    if (isTextTarget(target)) return;
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key;
    if ((k === " " || k === "Enter") && target && target.tagName === "BUTTON") return;
    let handled = true;
    if (k === "Delete" || k === "Backspace") this.deleteSelection();
    else if (mod && (k === "z" || k === "Z")) this.command(e.shiftKey ? "redo" : "undo");
    else if (mod && (k === "y" || k === "Y")) this.command("redo");
    else if (mod && (k === "a" || k === "A")) {
      this.setSelection([...this.nodes.keys()], []);
      this.flushSelection();
    } else if (k === "Escape") {
      if (this.drag) this.cancelDrag();
      else if (this.selNodes.size || this.selEdges.size) { this.setSelection([], []); this.flushSelection(); }
    } else if (k === " " && !mod) this.setSpace(true);
    else if (!mod && (k === "+" || k === "=")) this.zoomAt(1.2);
    else if (!mod && k === "-") this.zoomAt(1 / 1.2);
    else handled = false;
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  }

  keyUp(e) {
    if (e.key === " ") { this.setSpace(false); e.preventDefault(); e.stopPropagation(); }
  }

  // ------------------------------------------------------------ selection
  setSelection(nodes, edges) {
    this.selNodes = new Set(nodes);
    this.selEdges = new Set(edges);
    this.applySelectionClasses();
  }

  edgeHover(e, on) {
    const g = e.target.closest && e.target.closest(".nc-edge");
    if (!g || !g._edge) return;
    g._edge.hover = on;
    this.markEdge(g._edge);
  }

  // ------------------------------------------------------------ pointer gestures
  palettePointerDown(e) {
    const item = e.target.closest(".nc-pal-item");
    if (!item || e.button !== 0) return;
    e.preventDefault();
    item.focus({ preventScroll: true });
    const entry = this.types.get(item.dataset.type);
    if (!entry) return;
    try { this.palList.setPointerCapture(e.pointerId); } catch (err) { /* not capturable */ }
    this.drag = { kind: "palette", entry, x0: e.clientX, y0: e.clientY, started: false, pointerId: e.pointerId };
    this.startWindowListeners();
  }

  startWindowListeners() {
    window.addEventListener("pointermove", this.onMove);
    window.addEventListener("pointerup", this.onUp);
    window.addEventListener("pointercancel", this.onCancel);
  }

  endWindowListeners() {
    window.removeEventListener("pointermove", this.onMove);
    window.removeEventListener("pointerup", this.onUp);
    window.removeEventListener("pointercancel", this.onCancel);
  }

  pointerDown(e) {
    if (e.pointerType === "touch" && this.touchDown(e)) return;
    if (this.drag) return;
    const t = e.target;
    if (t.closest(".nc-toolbar, .nc-status")) return;
    try { this.vp.setPointerCapture(e.pointerId); } catch (err) { /* not capturable */ }
    this.el.focus({ preventScroll: true });
    this.vpRect = this.vp.getBoundingClientRect();
    const base = { x0: e.clientX, y0: e.clientY, started: false, pointerId: e.pointerId, shift: e.shiftKey || e.ctrlKey || e.metaKey };
    const onBackground = !t.closest(".nc-node, .nc-edge");
    const panning = e.button === 1 || (e.button === 0 && (this.spaceDown || this.tool === "pan" || (onBackground && !base.shift)));
    if (panning) {
      e.preventDefault();
      // A click (no drag) on the empty background clears the selection, as before.
      const clears = e.button === 0 && onBackground && !this.spaceDown && this.tool !== "pan";
      this.drag = { ...base, kind: "pan", vx: this.view.x, vy: this.view.y, clears };
      this.el.classList.add("panning");
      this.startWindowListeners();
      return;
    }
    if (e.button !== 0) return;
    e.preventDefault();
    const port = t.closest(".nc-port");
    const nodeEl = t.closest(".nc-node");
    if (port && nodeEl) {
      if (!this.editable()) return;
      const v = this.views.get(nodeEl.dataset.id);
      if (!v) return;
      this.startWire(base, v, port);
      return;
    }
    if (nodeEl) {
      const v = this.views.get(nodeEl.dataset.id);
      if (!v) return;
      let toggledOff = false;
      const wasSelected = this.selNodes.has(v.id);
      if (base.shift) {
        if (wasSelected) { this.selNodes.delete(v.id); toggledOff = true; } else this.selNodes.add(v.id);
      } else if (!wasSelected) {
        this.selNodes = new Set([v.id]);
        this.selEdges.clear();
      }
      this.applySelectionClasses();
      this.drag = { ...base, kind: "node", id: v.id, wasSelected, toggledOff };
      this.startWindowListeners();
      return;
    }
    const edgeG = t.closest(".nc-edge");
    if (edgeG && edgeG._edge) {
      const ev = edgeG._edge;
      if (base.shift) {
        if (this.selEdges.has(ev.edge)) this.selEdges.delete(ev.edge); else this.selEdges.add(ev.edge);
      } else {
        this.selNodes.clear();
        this.selEdges = new Set([ev.edge]);
      }
      this.applySelectionClasses();
      this.drag = { ...base, kind: "click" };
      this.startWindowListeners();
      return;
    }
    // Shift (or Ctrl) and drag on the empty canvas: rubber band, adding to the selection.
    this.drag = { ...base, kind: "band", keep: new Set(this.selNodes) };
    this.startWindowListeners();
  }

  startWire(base, v, portEl) {
    for (const x of this.views.values()) this.height(x);
    if (portEl.classList.contains("nc-out")) {
      this.drag = { ...base, kind: "wire", mode: "out", src: v.id, srcPort: Number(portEl.dataset.port) || 0, detached: null };
    } else {
      const port = Number(portEl.dataset.port) || 0;
      const existing = this.doc.edges.find((e) => validEdge(e) && e.target === v.id && portOf(e) === port && this.edgeViews.has(e));
      if (existing) {
        const ev = this.edgeViews.get(existing);
        ev.g.classList.add("detached");
        ev.label.classList.add("detached");
        this.drag = { ...base, kind: "wire", mode: "out", src: existing.source, srcPort: sourcePortOf(existing), detached: existing };
      } else {
        this.drag = { ...base, kind: "wire", mode: "in", tgt: v.id, port };
      }
    }
    this.drag.started = true;
    this.el.classList.add("wiring", this.drag.mode === "out" ? "wiring-out" : "wiring-in");
    this.startWindowListeners();
    this.drawWire(base.x0, base.y0);
  }

  pointerMove(e) {
    const d = this.drag;
    if (!d || (d.pointerId !== undefined && e.pointerId !== d.pointerId)) return;
    d.cx = e.clientX; d.cy = e.clientY;
    if (!d.started) {
      if (Math.hypot(d.cx - d.x0, d.cy - d.y0) < DRAG_THRESHOLD) return;
      d.started = true;
      this.beginDrag(d);
    }
    if (!this.raf) this.raf = requestAnimationFrame(() => { this.raf = 0; this.frame(); });
  }

  beginDrag(d) {
    if (d.kind === "node") {
      if (!this.editable()) { d.kind = "click"; return; }
      if (d.toggledOff) { d.kind = "click"; return; }
      d.moving = [...this.selNodes].map((id) => this.views.get(id)).filter(Boolean)
        .map((v) => ({ v, p0: this.pos(v).slice() }));
      const ids = new Set(d.moving.map((m) => m.v.id));
      const edges = new Set();
      for (const id of ids) for (const ev of this.adj.get(id) || []) edges.add(ev);
      d.edges = [...edges];
      // Only the moved cards change class: a class on the root would restyle all nodes.
      for (const m of d.moving) m.v.el.classList.add("dragging");
    } else if (d.kind === "band") {
      for (const v of this.views.values()) this.height(v);
      this.band.hidden = false;
    } else if (d.kind === "palette") {
      const g = this.ghost;
      g.replaceChildren();
      g.style.setProperty("--cat", categoryColor(d.entry));
      g.appendChild(h("span", "nc-pal-bar"));
      g.appendChild(h("span", "nc-ghost-name", typeof d.entry.title === "string" && d.entry.title ? d.entry.title : d.entry.type));
      g.hidden = false;
      this.cover.hidden = false;
    }
  }

  frame() {
    const d = this.drag;
    if (!d || !d.started) return;
    const t0 = performance.now();
    this.frameWork(d);
    const ms = performance.now() - t0;
    this.stats.frames += 1;
    this.stats.frameMsMax = Math.max(this.stats.frameMsMax, ms);
    this.stats.frameMsTotal += ms;
  }

  frameWork(d) {
    if (d.kind === "pan") {
      this.view.x = d.vx + (d.cx - d.x0);
      this.view.y = d.vy + (d.cy - d.y0);
      this.applyView();
    } else if (d.kind === "node" && d.moving) {
      const dx = (d.cx - d.x0) / this.view.k, dy = (d.cy - d.y0) / this.view.k;
      for (const m of d.moving) {
        m.v.node.pos = [m.p0[0] + dx, m.p0[1] + dy];
        this.placeNode(m.v);
      }
      for (const ev of d.edges) this.routeEdge(ev);
    } else if (d.kind === "band") {
      const r = this.vpRect;
      const x0 = Math.min(d.x0, d.cx) - r.left, y0 = Math.min(d.y0, d.cy) - r.top;
      const w = Math.abs(d.cx - d.x0), hh = Math.abs(d.cy - d.y0);
      Object.assign(this.band.style, { left: `${x0}px`, top: `${y0}px`, width: `${w}px`, height: `${hh}px` });
      const [wx0, wy0] = this.toWorld(Math.min(d.x0, d.cx), Math.min(d.y0, d.cy));
      const [wx1, wy1] = this.toWorld(Math.max(d.x0, d.cx), Math.max(d.y0, d.cy));
      const sel = new Set(d.keep);
      for (const v of this.views.values()) {
        const [x, y] = this.pos(v);
        if (x < wx1 && x + this.width(v) > wx0 && y < wy1 && y + this.height(v) > wy0) sel.add(v.id);
      }
      this.selNodes = sel;
      if (!d.shift) this.selEdges.clear();
      this.applySelectionClasses();
    } else if (d.kind === "wire") {
      this.drawWire(d.cx, d.cy);
    } else if (d.kind === "palette") {
      const r = this.el.getBoundingClientRect();
      this.ghost.style.transform = `translate(${d.cx - r.left + 10}px, ${d.cy - r.top + 8}px)`;
      const vr = this.vp.getBoundingClientRect();
      const over = d.cx >= vr.left && d.cx <= vr.right && d.cy >= vr.top && d.cy <= vr.bottom;
      this.ghost.classList.toggle("over", over);
    }
  }

  drawWire(cx, cy) {
    const d = this.drag;
    const [wx, wy] = this.toWorld(cx, cy);
    const cand = this.findPort(d, wx, wy);
    if (this.candEl && (!cand || cand.el !== this.candEl)) { this.candEl.classList.remove("target"); this.candNode && this.candNode.classList.remove("drop-target"); }
    this.candEl = cand ? cand.el : null;
    this.candNode = cand ? cand.v.el : null;
    if (cand) { cand.el.classList.add("target"); cand.v.el.classList.add("drop-target"); }
    d.cand = cand;
    let x1, y1, x2, y2;
    if (d.mode === "out") {
      [x1, y1] = this.outPortXY(this.views.get(d.src), d.srcPort || 0);
      x1 += 5;
      if (cand) [x2, y2] = this.inPortXY(cand.v, cand.port); else [x2, y2] = [wx, wy];
    } else {
      [x2, y2] = this.inPortXY(this.views.get(d.tgt), d.port);
      if (cand) [x1, y1] = this.outPortXY(cand.v, cand.port); else [x1, y1] = [wx, wy];
    }
    this.wire.setAttribute("d", bezier(x1, y1, x2, y2).d);
    this.wire.style.display = "";
    this.wire.classList.toggle("snap", !!cand);
  }

  // Nearest compatible port: a port within reach, or any port of the node under the pointer.
  findPort(d, wx, wy) {
    const reach = 22 / this.view.k;
    let best = null, bestD = reach;
    let inside = null;
    for (const v of this.views.values()) {
      const [x, y] = this.pos(v);
      const hh = this.height(v);
      if (wx < x - reach || wx > x + this.width(v) + reach || wy < y - reach || wy > y + hh + reach) continue;
      const isInside = wx >= x && wx <= x + this.width(v) && wy >= y && wy <= y + hh;
      if (d.mode === "out") {
        if (v.id === d.src || v.nIn === 0) continue;
        for (let i = 0; i < v.nIn; i++) {
          const [px, py] = this.inPortXY(v, i);
          const dist = Math.hypot(wx - px, wy - py);
          if (dist < bestD) { bestD = dist; best = { v, port: i, el: v.inPorts[i] }; }
        }
        if (isInside) {
          const used = new Set(this.doc.edges.filter((e) => validEdge(e) && e.target === v.id && e !== d.detached).map(portOf));
          let pick = -1, pickD = Infinity;
          for (let i = 0; i < v.nIn; i++) {
            const py = this.inPortXY(v, i)[1];
            const dist = Math.abs(wy - py) + (used.has(i) ? 10000 : 0);
            if (dist < pickD) { pickD = dist; pick = i; }
          }
          if (pick >= 0) inside = { v, port: pick, el: v.inPorts[pick] };
        }
      } else {
        if (v.id === d.tgt || !v.hasOut) continue;
        for (let k = 0; k < this.outCount(v); k++) {
          const [px, py] = this.outPortXY(v, k);
          const dist = Math.hypot(wx - px, wy - py);
          if (dist < bestD) { bestD = dist; best = { v, port: k, el: this.outPortEl(v, k) }; }
        }
        if (isInside) inside = { v, port: 0, el: v.outPort };
      }
    }
    return best || inside;
  }

  pointerUp(e, cancelled) {
    const d = this.drag;
    if (!d || (d.pointerId !== undefined && e.pointerId !== d.pointerId)) return;
    if (this.raf) { cancelAnimationFrame(this.raf); this.raf = 0; }
    if (d.started && !cancelled && e.clientX !== undefined) { d.cx = e.clientX; d.cy = e.clientY; this.frame(); }
    this.endWindowListeners();
    this.drag = null;
    this.clearDragUi();
    if (cancelled) { this.restoreDrag(d); return; }
    if (d.kind === "pan") {
      if (!d.started && d.clears && (this.selNodes.size || this.selEdges.size)) {
        this.setSelection([], []);
        this.flushSelection();
      }
      return;
    }
    if (d.kind === "palette") {
      if (!d.started) return;
      const vr = this.vp.getBoundingClientRect();
      if (d.cx >= vr.left && d.cx <= vr.right && d.cy >= vr.top && d.cy <= vr.bottom) {
        this.vpRect = vr;
        const [wx, wy] = this.toWorld(d.cx, d.cy);
        this.addNode(d.entry.type, wx, wy);
        // The keys that follow are the canvas's (Delete, Space, undo): with the focus left on the
        // palette entry, arrows or Page Down would scroll the palette away from where it was.
        this.el.focus({ preventScroll: true });
      }
      return;
    }
    if (d.kind === "wire") {
      const cand = d.cand;
      if (d.detached) {
        const ev = this.edgeViews.get(d.detached);
        if (ev) { ev.g.classList.remove("detached"); ev.label.classList.remove("detached"); }
      }
      if (!this.editable()) return;
      if (d.mode === "out") {
        if (cand) this.connect(d.src, cand.v.id, cand.port, d.detached, d.srcPort || 0);
        else if (d.detached && Math.hypot(d.cx - d.x0, d.cy - d.y0) >= DRAG_THRESHOLD) this.removeEdge(d.detached);
      } else if (cand) {
        this.connect(cand.v.id, d.tgt, d.port, null, cand.port);
      }
      return;
    }
    if (d.kind === "node") {
      if (d.started && d.moving && d.moving.length) {
        for (const m of d.moving) m.v.el.classList.remove("dragging");
        const moved = d.moving.some((m) => {
          const p = this.pos(m.v);
          return Math.round(p[0]) !== Math.round(m.p0[0]) || Math.round(p[1]) !== Math.round(m.p0[1]);
        });
        if (moved) { this.commit(); return; }
      } else if (!d.started && !d.shift && d.wasSelected && this.selNodes.size > 1) {
        this.setSelection([d.id], []);
      }
      this.flushSelection();
      return;
    }
    if (d.kind === "band") {
      if (!d.started && !d.shift) this.setSelection([], []);
      this.flushSelection();
      return;
    }
    if (d.kind === "click") this.flushSelection();
  }

  clearDragUi() {
    this.band.hidden = true;
    this.ghost.hidden = true;
    this.cover.hidden = true;
    this.wire.style.display = "none";
    if (this.candEl) this.candEl.classList.remove("target");
    if (this.candNode) this.candNode.classList.remove("drop-target");
    this.candEl = this.candNode = null;
    // After the edit is sent (Streamlit sends it from a timer of its own, queued first): these classes
    // restyle every node and port (the ports a wire may reach glow), ~20 ms at 200 nodes, and taken
    // off at once that restyle ran before the send.
    setTimeout(() => { if (!this.drag) this.el.classList.remove("panning", "wiring", "wiring-out", "wiring-in"); }, 0);
  }

  restoreDrag(d) {
    if (d.kind === "node" && d.moving) {
      for (const m of d.moving) { m.v.node.pos = m.p0; this.placeNode(m.v); m.v.el.classList.remove("dragging"); }
      for (const ev of d.edges) this.routeEdge(ev);
    }
    if (d.kind === "wire" && d.detached) {
      const ev = this.edgeViews.get(d.detached);
      if (ev) { ev.g.classList.remove("detached"); ev.label.classList.remove("detached"); }
    }
  }

  cancelDrag() {
    const d = this.drag;
    if (!d) return;
    if (this.raf) { cancelAnimationFrame(this.raf); this.raf = 0; }
    this.endWindowListeners();
    this.drag = null;
    this.clearDragUi();
    this.restoreDrag(d);
  }
}
