// Canvas part: rendering. The DOM skeleton (palette, viewport layers, toolbar,
// status bar), the palette list, node cards with their ports and key params, edges
// and their labels, annotations from Python (shapes, params, errors, advice), the
// summary, selection classes and toolbar state. User text only via textContent.
// Methods of Canvas (mixed in by canvas.js).

class RenderPart {
  // ------------------------------------------------------------ labels
  t(key) {
    const v = own(this.strings, key);
    if (typeof v === "string") return v;
    const w = own(this.strings, "canvas." + key);
    return typeof w === "string" ? w : key;
  }

  label(el, key, prop = "text") {
    this.labelEls.push([el, key, prop]);
    this.setLabel(el, key, prop);
    return el;
  }

  setLabel(el, key, prop) {
    const txt = this.t(key);
    if (prop === "text") el.textContent = txt;
    else if (prop === "placeholder") el.placeholder = txt;
    else if (prop === "tip") { el.title = txt; el.setAttribute("aria-label", txt); }
  }

  // ------------------------------------------------------------ DOM skeleton
  buildDom() {
    const el = (this.el = h("div", "nc-root"));
    el.tabIndex = 0;

    // Palette
    const pal = h("aside", "nc-palette");
    const head = h("div", "nc-pal-head");
    this.label(head.appendChild(h("div", "nc-pal-title")), "layers");
    const sbox = h("label", "nc-search");
    sbox.appendChild(icon("search", 14));
    const search = (this.search = h("input", "nc-search-input"));
    search.type = "search";
    search.spellcheck = false;
    search.autocomplete = "off";
    this.label(search, "search", "placeholder");
    sbox.appendChild(search);
    head.appendChild(sbox);
    pal.appendChild(head);
    this.palList = pal.appendChild(h("div", "nc-pal-list"));
    this.palEmpty = this.label(h("div", "nc-pal-empty"), "no_match");
    this.palEmpty.hidden = true;
    pal.appendChild(this.palEmpty);
    el.appendChild(pal);

    // Main area
    const main = h("div", "nc-main");
    const vp = (this.vp = h("div", "nc-viewport"));
    const world = (this.world = h("div", "nc-world"));
    const svg = s("svg", { class: "nc-edges", width: 1, height: 1 });
    const defs = s("defs");
    for (const [id, cls] of [["nc-arrow", "nc-arrow"], ["nc-arrow-sel", "nc-arrow sel"], ["nc-arrow-err", "nc-arrow err"], ["nc-arrow-hov", "nc-arrow hov"]]) {
      const m = s("marker", {
        id, viewBox: "0 0 10 10", refX: 8, refY: 5, markerWidth: 6, markerHeight: 6,
        orient: "auto", markerUnits: "strokeWidth", class: cls,
      });
      m.appendChild(s("path", { d: "M0,1 L9,5 L0,9 z" }));
      defs.appendChild(m);
    }
    svg.appendChild(defs);
    this.edgeLayer = svg.appendChild(s("g", { class: "nc-edge-layer" }));
    world.appendChild(svg);
    this.labelLayer = world.appendChild(h("div", "nc-labels"));
    this.nodeLayer = world.appendChild(h("div", "nc-nodes"));
    const top = s("svg", { class: "nc-edges nc-top", width: 1, height: 1 });
    this.wire = top.appendChild(s("path", { class: "nc-wire" }));
    this.wire.style.display = "none";
    world.appendChild(top);
    vp.appendChild(world);
    this.band = vp.appendChild(h("div", "nc-band"));
    this.band.hidden = true;
    this.empty = vp.appendChild(h("div", "nc-empty"));
    const emptyIcon = this.empty.appendChild(h("div", "nc-empty-icon"));
    emptyIcon.appendChild(icon("auto_layout", 28));
    this.label(this.empty.appendChild(h("div", "nc-empty-text")), "empty_hint");
    main.appendChild(vp);

    // Toolbar
    const tb = (this.toolbar = h("div", "nc-toolbar"));
    const group = () => tb.appendChild(h("div", "nc-tb-group"));
    const btn = (g, action, withText = false) => {
      const b = h("button", "nc-btn");
      b.type = "button";
      b.dataset.action = action;
      b.appendChild(icon(action, 16));
      this.label(b, action, "tip");
      if (withText) this.label(b.appendChild(h("span", "nc-btn-text")), action);
      g.appendChild(b);
      return b;
    };
    let g = group();
    this.btnSelect = btn(g, "select");
    this.btnPan = btn(g, "pan");
    g = group();
    btn(g, "undo");
    btn(g, "redo");
    g = group();
    btn(g, "zoom_out");
    this.zoomLabel = g.appendChild(h("button", "nc-btn nc-zoom", "100%"));
    this.zoomLabel.type = "button";
    this.zoomLabel.dataset.action = "zoom_reset";
    this.label(this.zoomLabel, "zoom_reset", "tip");
    btn(g, "zoom_in");
    btn(g, "fit");
    g = group();
    btn(g, "auto_layout", true);
    g = group();
    this.btnDelete = btn(g, "delete");
    main.appendChild(tb);

    // Status bar: graph errors (left), summary and help (right)
    const status = h("div", "nc-status");
    this.errBox = status.appendChild(h("div", "nc-graph-errors"));
    const right = status.appendChild(h("div", "nc-status-right"));
    this.summary = right.appendChild(h("span", "nc-summary"));
    const help = right.appendChild(h("span", "nc-help"));
    help.appendChild(icon("help", 14));
    this.label(help, "help", "tip");
    main.appendChild(status);
    el.appendChild(main);

    // While a layer is dragged from the palette, this cover shows the grabbing cursor over the whole
    // canvas: a class on the root styling every element (.nc-root.dragging-palette *) made Chrome
    // restyle all of them when the drag began and ended, ~40 ms at 200 nodes before the drop was sent.
    this.cover = el.appendChild(h("div", "nc-drag-cover"));
    this.cover.hidden = true;
    this.ghost = el.appendChild(h("div", "nc-ghost"));
    this.ghost.hidden = true;
    this.root.appendChild(el);
  }

  // ------------------------------------------------------------ palette
  entryFor(type) {
    const e = this.types.get(type);
    if (e) return e;
    return { type: String(type), title: String(type), category: "", inputs: { min: 1, max: 1 }, unknown: true };
  }

  buildPaletteDom() {
    if (!this.palette) return;
    const list = this.palList;
    list.replaceChildren();
    const groups = new Map();
    for (const p of this.palette) {
      const cat = typeof p.category === "string" ? p.category : "";
      if (!groups.has(cat)) groups.set(cat, { label: typeof p.category_label === "string" ? p.category_label : cat, items: [] });
      groups.get(cat).items.push(p);
    }
    this.collapsed = this.collapsed || new Set();
    for (const [cat, grp] of groups) {
      const gel = h("div", "nc-pal-group");
      gel.dataset.category = cat;
      if (this.collapsed.has(cat)) gel.classList.add("collapsed");
      const head = gel.appendChild(h("button", "nc-pal-cat"));
      head.type = "button";
      head.style.setProperty("--cat", categoryColor(grp.items[0]));
      head.appendChild(h("span", "nc-cat-dot"));
      head.appendChild(h("span", "nc-cat-label", grp.label || "—"));
      head.appendChild(h("span", "nc-cat-count", grp.items.length));
      head.appendChild(icon("chevron", 14));
      head.addEventListener("click", () => {
        gel.classList.toggle("collapsed");
        if (gel.classList.contains("collapsed")) this.collapsed.add(cat); else this.collapsed.delete(cat);
      });
      const items = gel.appendChild(h("div", "nc-pal-items"));
      for (const p of grp.items) {
        const it = h("div", "nc-pal-item");
        it.tabIndex = 0;
        it.dataset.type = p.type;
        it.style.setProperty("--cat", categoryColor(p));
        it.appendChild(h("span", "nc-pal-bar"));
        const txt = it.appendChild(h("span", "nc-pal-text"));
        txt.appendChild(h("span", "nc-pal-name", typeof p.title === "string" && p.title ? p.title : p.type));
        if (typeof p.help === "string" && p.help) {
          txt.appendChild(h("span", "nc-pal-help", p.help));
          it.title = p.help;
        }
        it._search = [p.type, p.title, p.help, p.category, p.category_label]
          .filter((x) => typeof x === "string").join(" ").toLowerCase();
        items.appendChild(it);
      }
      list.appendChild(gel);
    }
    this.filterPalette();
  }

  filterPalette() {
    const q = this.search.value.trim().toLowerCase();
    let any = false;
    for (const gel of this.palList.children) {
      let n = 0;
      for (const it of gel.querySelectorAll(".nc-pal-item")) {
        const show = !q || q.split(/\s+/).every((w) => it._search.includes(w));
        it.hidden = !show;
        if (show) n++;
      }
      gel.hidden = n === 0;
      gel.classList.toggle("searching", !!q);
      if (n) any = true;
    }
    this.palEmpty.hidden = any || !this.palette || this.palette.length === 0;
  }

  // ------------------------------------------------------------ nodes and edges
  renderAll() {
    this.nodeLayer.replaceChildren();
    this.views = new Map();
    for (const n of this.nodes.values()) this.createView(n);
    this.rebuildEdges();
    this.applyAnnotations();
    this.applySelectionClasses();
    this.updateEmpty();
  }

  portCounts(node) {
    const entry = this.entryForNode(node);
    const spec = isObj(entry.inputs) ? entry.inputs : { min: 1, max: 1 };
    const min = Number.isInteger(spec.min) && spec.min >= 0 ? spec.min : 1;
    const variadic = spec.max === null;
    let maxUsed = -1;
    for (const e of this.doc.edges) if (validEdge(e) && e.target === node.id) maxUsed = Math.max(maxUsed, portOf(e));
    let n;
    if (variadic) n = Math.max(min, maxUsed + 2);
    else n = Math.max(Number.isInteger(spec.max) && spec.max >= 0 ? spec.max : Math.max(min, 1), maxUsed + 1);
    n = Math.min(n, MAX_PORTS);
    const names = Array.isArray(spec.names) ? spec.names.map((x) => String(x)) : [];
    const labelled = !variadic && n > 1;
    const hasOut = entry.outputs === 0 ? false : entry.outputs === undefined ? node.type !== "Output" : true;
    return { n, names, labelled, variadic, hasOut };
  }

  createView(node) {
    const entry = this.entryForNode(node);
    const el = h("div", "nc-node");
    el.dataset.id = node.id;
    el.dataset.type = String(node.type);
    el.style.setProperty("--cat", categoryColor(entry));
    el.appendChild(h("div", "nc-stripe"));
    const head = el.appendChild(h("div", "nc-head"));
    head.appendChild(h("span", "nc-title", typeof entry.title === "string" && entry.title ? entry.title : String(node.type)));
    const idEl = head.appendChild(h("span", "nc-id", node.id));
    idEl.title = node.id;
    const body = el.appendChild(h("div", "nc-body"));
    const foot = el.appendChild(h("div", "nc-foot"));
    const shapeEl = foot.appendChild(h("span", "nc-shape"));
    const pcountEl = foot.appendChild(h("span", "nc-pcount"));
    const errEl = el.appendChild(h("div", "nc-err"));
    errEl.appendChild(icon("warn", 12));
    const errText = errEl.appendChild(h("span", "nc-err-text"));
    const v = {
      id: node.id, node, entry, el, body, foot, shapeEl, pcountEl, errEl, errText,
      inPorts: [], outPort: null, nIn: 0, hasOut: true, h: null,
      ann: { shape: undefined, params: undefined, error: undefined },
    };
    this.views.set(node.id, v);
    this.fillBody(v);
    this.placeNode(v);
    this.nodeLayer.appendChild(el);
    return v;
  }

  // Ports and key-param rows (re-run when the number of connected inputs changes).
  fillBody(v) {
    const { node, entry, el, body } = v;
    for (const p of v.inPorts) p.remove();
    if (v.outPort) v.outPort.remove();
    v.inPorts = [];
    v.outPort = null;
    body.replaceChildren();
    const pc = this.portCounts(node);
    v.nIn = pc.n;
    v.hasOut = pc.hasOut;
    for (let i = 0; i < pc.n; i++) {
      const p = h("div", "nc-port nc-in");
      p.dataset.port = String(i);
      p.style.top = `${HEAD_H + PAD + ROW * i + ROW / 2}px`;
      if (pc.names[i]) p.title = pc.names[i];
      el.appendChild(p);
      v.inPorts.push(p);
      if (pc.labelled) {
        const row = body.appendChild(h("div", "nc-row nc-portrow"));
        row.appendChild(h("span", "nc-k", pc.names[i] || `#${i}`));
      }
    }
    if (pc.hasOut) {
      const p = h("div", "nc-port nc-out");
      p.style.top = `${HEAD_H + PAD + ROW / 2}px`;
      el.appendChild(p);
      v.outPort = p;
    }
    const params = isObj(node.params) ? node.params : {};
    const defaults = isObj(entry.defaults) ? entry.defaults : {};
    let keys = Array.isArray(entry.key_params) ? entry.key_params.filter((k) => typeof k === "string") : null;
    if (!keys) keys = Object.keys(params).slice(0, 3);
    for (const k of keys.slice(0, 6)) {
      const has = Object.prototype.hasOwnProperty.call(params, k);
      if (!has && !Object.prototype.hasOwnProperty.call(defaults, k)) continue;
      const row = body.appendChild(h("div", "nc-row"));
      row.appendChild(h("span", "nc-k", k));
      const val = row.appendChild(h("span", "nc-v", formatValue(has ? params[k] : defaults[k])));
      if (!has) val.classList.add("default");
      val.title = val.textContent;
    }
    if (!body.children.length && typeof entry.help === "string" && entry.help) {
      const row = body.appendChild(h("div", "nc-row nc-note", entry.help));
      row.title = entry.help;
    }
    const rows = Math.max(pc.n, 1);
    body.style.minHeight = `${rows * ROW + 2 * PAD}px`;
    el.classList.toggle("no-in", pc.n === 0);
    this.fillBlockBody(v, pc); // blocks.js
    v.h = null;
  }

  pos(v) {
    const p = v.node.pos;
    return validPos(p) ? p : [0, 0];
  }

  placeNode(v) {
    const [x, y] = this.pos(v);
    v.el.style.transform = `translate(${x}px, ${y}px)`;
  }

  height(v) {
    if (v.h === null) v.h = v.el.offsetHeight || HEAD_H + 2 * PAD + ROW;
    return v.h;
  }

  inPortXY(v, i) {
    const [x, y] = this.pos(v);
    return [x, y + HEAD_H + PAD + ROW * i + ROW / 2];
  }

  outPortXY(v, k = 0) {
    const [x, y] = this.pos(v);
    return [x + this.width(v), y + HEAD_H + PAD + ROW * k + ROW / 2]; // width: blocks.js
  }

  // The edges drawn for the graph as it is now. An edge still there (the same key, ends and ports) keeps
  // its view: its DOM is left alone, its path set again only if it moved. (Made anew each time, the 600
  // elements of a 200-node graph's edges were laid out and painted again after every param edit.)
  rebuildEdges() {
    const old = new Map();
    for (const ev of this.edgeViews.values()) old.set(ev.key, ev);
    this.edgeViews = new Map();
    this.adj = new Map();
    const seen = new Set();
    for (const e of this.doc.edges) {
      if (!validEdge(e)) continue;
      const sv = this.views.get(e.source), tv = this.views.get(e.target);
      if (!sv || !tv || !sv.hasOut) continue;
      const port = portOf(e);
      if (port >= tv.nIn) continue;
      if (sourcePortOf(e) >= this.outCount(sv)) continue;
      const key = edgeKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      let ev = old.get(key);
      if (ev) {
        old.delete(key);
        Object.assign(ev, { edge: e, sv, tv, port });
      } else {
        ev = this.createEdgeView(e, key, sv, tv, port);
      }
      this.edgeViews.set(e, ev);
      for (const id of [e.source, e.target]) {
        if (!this.adj.has(id)) this.adj.set(id, []);
        this.adj.get(id).push(ev);
      }
      this.routeEdge(ev);
    }
    for (const ev of old.values()) { ev.g.remove(); ev.label.remove(); }
  }

  createEdgeView(e, key, sv, tv, port) {
    const g = s("g", { class: "nc-edge" });
    const hit = g.appendChild(s("path", { class: "nc-edge-hit" }));
    const path = g.appendChild(s("path", { class: "nc-edge-path", "marker-end": "url(#nc-arrow)" }));
    const label = h("div", "nc-edge-label");
    label.hidden = true;
    const ev = { edge: e, key, g, hit, path, label, sv, tv, port, ann: { shape: undefined, error: undefined } };
    g._edge = ev;
    this.edgeLayer.appendChild(g);
    this.labelLayer.appendChild(label);
    return ev;
  }

  routeEdge(ev) {
    const [x1, y1] = this.outPortXY(ev.sv, sourcePortOf(ev.edge)); // a block's n-th output: blocks.js
    const [x2, y2] = this.inPortXY(ev.tv, ev.port);
    const b = bezier(x1 + 5, y1, x2 - 6, y2);
    if (ev.d === b.d) return;
    ev.d = b.d;
    ev.path.setAttribute("d", b.d);
    ev.hit.setAttribute("d", b.d);
    ev.label.style.transform = `translate(${b.mx.toFixed(1)}px, ${b.my.toFixed(1)}px) translate(-50%, -50%)`;
  }

  refreshPorts(ids) {
    for (const id of ids) {
      const v = this.views.get(id);
      if (v) { this.fillBody(v); this.applyNodeAnnotation(v, true); }
    }
  }

  updateEmpty() {
    this.empty.hidden = this.nodes.size > 0;
  }

  // ------------------------------------------------------------ annotations
  applyAnnotations() {
    for (const v of this.views.values()) this.applyNodeAnnotation(v, false);
    const shown = this.shown();
    const edgesA = isObj(shown.edges) ? shown.edges : {};
    for (const ev of this.edgeViews.values()) {
      const a = own(edgesA, ev.key);
      const shape = isObj(a) ? formatShape(a.shape) : null;
      const error = isObj(a) && a.error !== null && a.error !== undefined && a.error !== "" ? String(a.error) : null;
      if (shape === ev.ann.shape && error === ev.ann.error) continue;
      ev.ann = { shape, error };
      ev.label.textContent = error ? error : shape || "";
      ev.label.title = error ? (shape ? `${shape} · ${error}` : error) : shape || "";
      ev.label.hidden = !shape && !error;
      ev.label.classList.toggle("err", !!error);
      ev.g.classList.toggle("err", !!error);
      this.markEdge(ev);
    }
    // Graph-level errors
    const errs = Array.isArray(shown.graph_errors) ? shown.graph_errors.map((x) => String(x)) : [];
    const ek = JSON.stringify(errs);
    if (ek !== this.errKey) {
      this.errKey = ek;
      this.errBox.replaceChildren();
      for (const msg of errs.slice(0, 4)) {
        const chip = this.errBox.appendChild(h("div", "nc-gerr"));
        chip.appendChild(icon("warn", 13));
        chip.appendChild(h("span", "", msg));
        chip.title = msg;
      }
      if (errs.length > 4) this.errBox.appendChild(h("div", "nc-gerr more", `+${errs.length - 4}`));
    }
    this.updateSummary();
  }

  applyNodeAnnotation(v, force) {
    const nodesA = nodesOf(this.shown());
    const a = own(nodesA, v.id);
    this.applyBlockAnnotation(v, a); // blocks.js
    const shape = isObj(a) ? formatShape(a.shape) : null;
    const params = isObj(a) && finite(a.params) && a.params > 0 ? a.params : null;
    const error = isObj(a) && a.error !== null && a.error !== undefined && a.error !== "" ? String(a.error) : null;
    // advice (it checks, but may not train well) shows where an error would, in amber, when there is no error
    const warning = !error && isObj(a) && typeof a.warning === "string" && a.warning !== "" ? a.warning : null;
    if (!force && shape === v.ann.shape && params === v.ann.params && error === v.ann.error &&
        warning === v.ann.warning) return;
    v.ann = { shape, params, error, warning };
    v.shapeEl.textContent = shape || "";
    v.shapeEl.hidden = !shape;
    v.shapeEl.title = shape || "";
    v.pcountEl.textContent = params === null ? "" : `${formatCount(params)} ${this.t("params")}`;
    v.pcountEl.title = params === null ? "" : `${params.toLocaleString()} ${this.t("params")}`;
    v.pcountEl.hidden = params === null;
    v.foot.hidden = !shape && params === null;
    v.errText.textContent = error || warning || "";
    v.errEl.title = error || warning || "";
    v.errEl.hidden = !error && !warning;
    v.errEl.classList.toggle("warn", !!warning);
    v.el.classList.toggle("err", !!error);
    v.el.classList.toggle("warn", !!warning);
    v.h = null;
  }

  updateSummary() {
    const nodesA = nodesOf(this.shown());
    let total = 0, any = false;
    for (const id of this.nodes.keys()) {
      const a = own(nodesA, id);
      if (isObj(a) && finite(a.params)) { total += a.params; any = true; }
    }
    const tpl = this.t("summary");
    const n = this.nodes.size;
    const text = tpl.includes("{")
      ? tpl.replace("{nodes}", String(n)).replace("{params}", any ? formatCount(total) : "–")
      : `${n} · ${any ? formatCount(total) : "–"}`;
    if (this.summary.textContent !== text) this.summary.textContent = text;
  }

  // ------------------------------------------------------------ selection and toolbar state
  applySelectionClasses() {
    for (const v of this.views.values()) v.el.classList.toggle("sel", this.selNodes.has(v.id));
    for (const ev of this.edgeViews.values()) {
      ev.g.classList.toggle("sel", this.selEdges.has(ev.edge));
      ev.label.classList.toggle("sel", this.selEdges.has(ev.edge));
      this.markEdge(ev);
    }
    this.updateToolbar();
  }

  markEdge(ev) {
    const sel = this.selEdges.has(ev.edge);
    const m = sel ? "nc-arrow-sel" : ev.ann.error ? "nc-arrow-err" : ev.hover ? "nc-arrow-hov" : "nc-arrow";
    if (ev.marker !== m) { ev.marker = m; ev.path.setAttribute("marker-end", `url(#${m})`); }
  }

  updateToolbar() {
    this.btnSelect.classList.toggle("on", this.tool === "select");
    this.btnPan.classList.toggle("on", this.tool === "pan");
    this.btnDelete.disabled = !this.selNodes.size && !this.selEdges.size;
    this.el.classList.toggle("tool-pan", this.tool === "pan");
  }
}
