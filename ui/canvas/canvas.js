// NetCanvas graph canvas: a Streamlit custom component v2 (plain JS, no build step).
//
// Contract with Python (see ui/canvas/__init__.py for the full description):
//   data   = {graph, rev, palette, annotations, strings, ack}
//   state  "doc"       = {seq, rev, graph}   after every model-changing edit
//   state  "selection" = {seq, ids, edges}   when the selection changes
//   trigger "command"  = {name: "undo"|"redo", seq}
// The canvas replaces its own graph with data.graph only when data.rev differs from
// the rev it last took; annotations are applied in place on every call.
//
// Security: everything that comes from the graph, the palette, annotations or strings
// is written with textContent / setAttribute / dataset, never innerHTML.

const STATES = new WeakMap();
const SVGNS = "http://www.w3.org/2000/svg";

// Geometry of a node card. canvas.css uses the same numbers.
const NODE_W = 200;
const HEAD_H = 34;
const PAD = 6;
const ROW = 20;
const MAX_PORTS = 32;
const MIN_K = 0.1;
const MAX_K = 2.5;
const GAP_X = 110;
const GAP_Y = 28;
const BAND_GAP = 84;
const DRAG_THRESHOLD = 4;
const COMMAND_TIMEOUT_MS = 3000;

const COLOR_RE = /^#[0-9a-fA-F]{3,8}$/;
const CATEGORY_COLORS = [
  [/input|output|^io$|i\/o|data/i, "#64748b"],
  [/conv/i, "#6366f1"],
  [/pool/i, "#0d9488"],
  [/norm/i, "#d97706"],
  [/activ/i, "#16a34a"],
  [/drop|regular/i, "#78716c"],
  [/recur|rnn|lstm|gru|sequence/i, "#db2777"],
  [/attention|transformer/i, "#9333ea"],
  [/embed/i, "#e11d48"],
  [/merge|combine|struct|arith|math/i, "#ea580c"],
  [/reshape|shape|flatten|view/i, "#0891b2"],
  [/gen|vae|latent|sampl/i, "#c026d3"],
  [/linear|dense|fully/i, "#2563eb"],
];
const FALLBACK_COLORS = ["#2563eb", "#0891b2", "#16a34a", "#d97706", "#9333ea", "#db2777", "#0d9488", "#ea580c"];

const ICONS = {
  select: ["M4 4l7.07 17 2.51-7.39L21 11.07z"],
  pan: [
    "M18 11V6a2 2 0 0 0-4 0v4",
    "M14 10V4a2 2 0 0 0-4 0v6",
    "M10 10.5V6a2 2 0 0 0-4 0v8",
    "M18 8a2 2 0 1 1 4 0v6a8 8 0 0 1-8 8h-2c-2.8 0-4.5-.86-5.99-2.34l-3.6-3.6a2 2 0 0 1 2.83-2.82L7 15",
  ],
  undo: ["M9 14 4 9l5-5", "M4 9h10.5a5.5 5.5 0 0 1 0 11H11"],
  redo: ["m15 14 5-5-5-5", "M20 9H9.5a5.5 5.5 0 0 0 0 11H13"],
  zoom_out: ["M5 12h14"],
  zoom_in: ["M5 12h14", "M12 5v14"],
  fit: [
    "M8 3H5a2 2 0 0 0-2 2v3",
    "M21 8V5a2 2 0 0 0-2-2h-3",
    "M3 16v3a2 2 0 0 0 2 2h3",
    "M16 21h3a2 2 0 0 0 2-2v-3",
  ],
  auto_layout: [
    "M5 3h4a2 2 0 0 1 2 2v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z",
    "M15 13h4a2 2 0 0 1 2 2v4a2 2 0 0 1-2 2h-4a2 2 0 0 1-2-2v-4a2 2 0 0 1 2-2z",
    "M7 11v4a2 2 0 0 0 2 2h4",
  ],
  delete: [
    "M3 6h18",
    "M19 6v14c0 1-1 2-2 2H7c-1 0-2-1-2-2V6",
    "M8 6V4c0-1 1-2 2-2h4c1 0 2 1 2 2v2",
    "M10 11v6",
    "M14 11v6",
  ],
  search: ["M11 3a8 8 0 1 0 0 16a8 8 0 1 0 0-16z", "M21 21l-4.3-4.3"],
  help: ["M12 2a10 10 0 1 0 0 20a10 10 0 1 0 0-20z", "M9.09 9a3 3 0 0 1 5.83 1c0 2-3 3-3 3", "M12 17h.01"],
  warn: ["M10.29 3.86 1.82 18a2 2 0 0 0 1.71 3h16.94a2 2 0 0 0 1.71-3L13.71 3.86a2 2 0 0 0-3.42 0z", "M12 9v4", "M12 17h.01"],
  chevron: ["m6 9 6 6 6-6"],
};

// ---------------------------------------------------------------- small helpers
function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}
function s(tag, attrs) {
  const el = document.createElementNS(SVGNS, tag);
  if (attrs) for (const k in attrs) el.setAttribute(k, attrs[k]);
  return el;
}
function icon(name, size = 16) {
  const svg = s("svg", {
    viewBox: "0 0 24 24", width: size, height: size, fill: "none", stroke: "currentColor",
    "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true",
  });
  for (const d of ICONS[name] || []) svg.appendChild(s("path", { d }));
  return svg;
}
function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
function own(o, k) { return isObj(o) && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
function finite(v) { return typeof v === "number" && Number.isFinite(v); }
function validPos(p) { return Array.isArray(p) && p.length >= 2 && finite(p[0]) && finite(p[1]); }
function portOf(e) { return Number.isInteger(e.port) && e.port >= 0 ? e.port : 0; }
function validEdge(e) { return isObj(e) && typeof e.source === "string" && typeof e.target === "string"; }
function edgeKey(e) { return `${e.source}->${e.target}:${portOf(e)}`; }
function isTextTarget(t) {
  if (!t || !t.tagName) return false;
  const tag = t.tagName.toUpperCase();
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable;
}
function hashStr(str) {
  let x = 2166136261;
  for (let i = 0; i < str.length; i++) x = Math.imul(x ^ str.charCodeAt(i), 16777619) >>> 0;
  return x;
}
function formatCount(n) {
  const a = Math.abs(n);
  if (a >= 1e9) return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + "B";
  if (a >= 1e6) return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + "M";
  if (a >= 1e4) return (n / 1e3).toFixed(a >= 1e5 ? 0 : 1) + "k";
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
function formatValue(v) {
  if (v === null || v === undefined) return "–";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return "[" + v.map((x) => (isObj(x) || Array.isArray(x) ? formatValue(x) : String(x))).join(", ") + "]";
  try { return JSON.stringify(v); } catch (err) { return "?"; }
}
function formatShape(v) {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return "(" + v.map((x) => String(x)).join(", ") + (v.length === 1 ? ",)" : ")");
  return null;
}
function categoryColor(entry) {
  if (entry && typeof entry.color === "string" && COLOR_RE.test(entry.color)) return entry.color;
  const cat = entry && typeof entry.category === "string" ? entry.category : "";
  for (const [re, col] of CATEGORY_COLORS) if (re.test(cat)) return col;
  if (!cat) return "#94a3b8";
  return FALLBACK_COLORS[hashStr(cat) % FALLBACK_COLORS.length];
}
function bezier(x1, y1, x2, y2) {
  if (x2 < x1 + 24) return backRoute(x1, y1, x2, y2);
  const dx = clamp((x2 - x1) * 0.5, 30, 160);
  const c1x = x1 + dx, c2x = x2 - dx;
  return {
    d: `M${x1.toFixed(1)},${y1.toFixed(1)} C${c1x.toFixed(1)},${y1.toFixed(1)} ${c2x.toFixed(1)},${y2.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`,
    mx: (x1 + 3 * c1x + 3 * c2x + x2) / 8,
    my: (y1 + y2) / 2,
  };
}
// An edge that runs right to left (a wrapped row, or a node dragged behind its
// source): out to the right, along a horizontal lane above the target, and into the
// target from its left, with rounded corners.
function backRoute(x1, y1, x2, y2) {
  const ax = x1 + 28, bx = x2 - 28;
  let ym;
  if (y2 - y1 > 90) ym = y2 - (HEAD_H + PAD + ROW / 2) - 30;
  else if (y1 - y2 > 90) ym = y2 + 70;
  else ym = Math.max(y1, y2) + 90;
  const r = Math.max(0.5, Math.min(14, Math.abs(ym - y1) / 2, Math.abs(y2 - ym) / 2, Math.abs(ax - bx) / 2));
  const s1 = ym >= y1 ? 1 : -1, s2 = y2 >= ym ? 1 : -1;
  const f = (v) => v.toFixed(1);
  const d = [
    `M${f(x1)},${f(y1)}`, `L${f(ax - r)},${f(y1)}`, `Q${f(ax)},${f(y1)} ${f(ax)},${f(y1 + s1 * r)}`,
    `L${f(ax)},${f(ym - s1 * r)}`, `Q${f(ax)},${f(ym)} ${f(ax - r)},${f(ym)}`,
    `L${f(bx + r)},${f(ym)}`, `Q${f(bx)},${f(ym)} ${f(bx)},${f(ym + s2 * r)}`,
    `L${f(bx)},${f(y2 - s2 * r)}`, `Q${f(bx)},${f(y2)} ${f(bx + r)},${f(y2)}`, `L${f(x2)},${f(y2)}`,
  ].join(" ");
  return { d, mx: (ax + bx) / 2, my: ym };
}

// ---------------------------------------------------------------- the canvas
class Canvas {
  constructor(root) {
    this.root = root;
    this.host = root.host || root;
    this.api = { setStateValue: () => {}, setTriggerValue: () => {} };
    this.strings = {};
    this.stringsKey = null;
    this.paletteKey = null;
    this.types = new Map();
    this.doc = { format: "netcanvas.graph", version: 1, nodes: [], edges: [] };
    this.rev = undefined;
    this.taken = false;
    this.seq = 0;
    this.selSeq = 0;
    this.ack = 0;
    this.pendingCmd = null; // {seq, at}
    this.cmdQueue = [];
    this.views = new Map(); // node id -> view
    this.edgeViews = new Map(); // edge object -> view
    this.selNodes = new Set();
    this.selEdges = new Set();
    this.lastSentSel = "[]|[]";
    this.annotations = {};
    this.view = { x: 40, y: 40, k: 1 };
    this.pendingFit = false;
    this.tool = "select";
    this.spaceDown = false;
    this.drag = null;
    this.touches = new Map();
    this.pinch = null;
    this.raf = 0;
    this.labelEls = []; // [el, key, prop]
    this.destroyed = false;
    // Timings a test (or a curious developer) can read from the root element.
    this.stats = { updates: 0, updateMsLast: 0, frames: 0, frameMsMax: 0, frameMsTotal: 0 };
    this.buildDom();
    this.el._ncStats = this.stats;
    this.onMove = (e) => this.pointerMove(e);
    this.onUp = (e) => this.pointerUp(e);
    this.onCancel = (e) => this.pointerUp(e, true);
  }

  setApi(setStateValue, setTriggerValue) {
    if (typeof setStateValue === "function") this.api.setStateValue = setStateValue;
    if (typeof setTriggerValue === "function") this.api.setTriggerValue = setTriggerValue;
  }

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
    search.addEventListener("input", () => this.filterPalette());
    search.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { search.value = ""; this.filterPalette(); e.stopPropagation(); }
      if (e.key === "Enter") {
        const first = this.palList.querySelector(".nc-pal-item:not([hidden])");
        if (first) this.addNodeAtCenter(first.dataset.type);
        e.stopPropagation();
      }
    });

    // Main area
    const main = (this.main = h("div", "nc-main"));
    const vp = (this.vp = h("div", "nc-viewport"));
    const world = (this.world = h("div", "nc-world"));
    const svg = (this.svg = s("svg", { class: "nc-edges", width: 1, height: 1 }));
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
    const top = (this.svgTop = s("svg", { class: "nc-edges nc-top", width: 1, height: 1 }));
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
      b.addEventListener("click", (e) => { e.preventDefault(); this.action(action); });
      g.appendChild(b);
      return b;
    };
    let g = group();
    this.btnSelect = btn(g, "select");
    this.btnPan = btn(g, "pan");
    g = group();
    this.btnUndo = btn(g, "undo");
    this.btnRedo = btn(g, "redo");
    g = group();
    btn(g, "zoom_out");
    this.zoomLabel = g.appendChild(h("button", "nc-btn nc-zoom", "100%"));
    this.zoomLabel.type = "button";
    this.zoomLabel.dataset.action = "zoom_reset";
    this.label(this.zoomLabel, "zoom_reset", "tip");
    this.zoomLabel.addEventListener("click", () => this.action("zoom_reset"));
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

    this.ghost = el.appendChild(h("div", "nc-ghost"));
    this.ghost.hidden = true;
    this.root.appendChild(el);

    // Events
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
    this.ro = new ResizeObserver(() => {
      if (this.pendingFit && this.vp.clientWidth > 0) this.fit();
    });
    this.ro.observe(vp);
    this.applyView();
    this.updateToolbar();
  }

  maybeDestroy() {
    // Streamlit calls the cleanup on unmount, but may also call a stale one while the
    // element stays mounted: only tear down when the host really left the document.
    setTimeout(() => { if (!this.host.isConnected) this.destroy(); }, 0);
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.ro.disconnect();
    this.endWindowListeners();
    if (this.raf) cancelAnimationFrame(this.raf);
    STATES.delete(this.root);
  }

  // ------------------------------------------------------------ data from Python
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
    this.ack = ack;
    if (ack > this.seq) this.seq = ack;
    if (this.pendingCmd && ack >= this.pendingCmd.seq) {
      this.pendingCmd = null;
      this.sendQueuedCommand();
    }
    this.annotations = isObj(d.annotations) ? d.annotations : {};
    if (!this.taken || d.rev !== this.rev) this.takeGraph(d.graph, d.rev);
    else if (paletteChanged) this.renderAll();
    else this.applyAnnotations();
  }

  takeGraph(g, rev) {
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
    if (this.nodes.size && (first || !overlap)) this.fit();
  }

  index() {
    this.nodes = new Map();
    for (const n of this.doc.nodes) {
      if (isObj(n) && typeof n.id === "string" && !this.nodes.has(n.id)) this.nodes.set(n.id, n);
    }
  }

  entryFor(type) {
    const e = this.types.get(type);
    if (e) return e;
    return { type: String(type), title: String(type), category: "", inputs: { min: 1, max: 1 }, unknown: true };
  }

  // ------------------------------------------------------------ palette
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

  // ------------------------------------------------------------ rendering
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
    const entry = this.entryFor(node.type);
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
    const entry = this.entryFor(node.type);
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

  outPortXY(v) {
    const [x, y] = this.pos(v);
    return [x + NODE_W, y + HEAD_H + PAD + ROW / 2];
  }

  rebuildEdges() {
    this.edgeLayer.replaceChildren();
    this.labelLayer.replaceChildren();
    this.edgeViews = new Map();
    this.adj = new Map();
    const seen = new Set();
    for (const e of this.doc.edges) {
      if (!validEdge(e)) continue;
      const sv = this.views.get(e.source), tv = this.views.get(e.target);
      if (!sv || !tv || !sv.hasOut) continue;
      const port = portOf(e);
      if (port >= tv.nIn) continue;
      const key = edgeKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      const g = s("g", { class: "nc-edge" });
      const hit = g.appendChild(s("path", { class: "nc-edge-hit" }));
      const path = g.appendChild(s("path", { class: "nc-edge-path", "marker-end": "url(#nc-arrow)" }));
      const label = h("div", "nc-edge-label");
      label.hidden = true;
      const ev = { edge: e, key, g, hit, path, label, sv, tv, port, ann: { shape: undefined, error: undefined } };
      g._edge = ev;
      this.edgeLayer.appendChild(g);
      this.labelLayer.appendChild(label);
      this.edgeViews.set(e, ev);
      for (const id of [e.source, e.target]) {
        if (!this.adj.has(id)) this.adj.set(id, []);
        this.adj.get(id).push(ev);
      }
      this.routeEdge(ev);
    }
  }

  routeEdge(ev) {
    const [x1, y1] = this.outPortXY(ev.sv);
    const [x2, y2] = this.inPortXY(ev.tv, ev.port);
    const b = bezier(x1 + 5, y1, x2 - 6, y2);
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
    const edgesA = isObj(this.annotations.edges) ? this.annotations.edges : {};
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
    const errs = Array.isArray(this.annotations.graph_errors) ? this.annotations.graph_errors.map((x) => String(x)) : [];
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
    const nodesA = isObj(this.annotations.nodes) ? this.annotations.nodes : {};
    const a = own(nodesA, v.id);
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
    const nodesA = isObj(this.annotations.nodes) ? this.annotations.nodes : {};
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

  // ------------------------------------------------------------ selection
  applySelectionClasses() {
    for (const v of this.views.values()) v.el.classList.toggle("sel", this.selNodes.has(v.id));
    for (const ev of this.edgeViews.values()) {
      ev.g.classList.toggle("sel", this.selEdges.has(ev.edge));
      ev.label.classList.toggle("sel", this.selEdges.has(ev.edge));
      this.markEdge(ev);
    }
    this.updateToolbar();
  }

  edgeHover(e, on) {
    const g = e.target.closest && e.target.closest(".nc-edge");
    if (!g || !g._edge) return;
    g._edge.hover = on;
    this.markEdge(g._edge);
  }

  markEdge(ev) {
    const sel = this.selEdges.has(ev.edge);
    const m = sel ? "nc-arrow-sel" : ev.ann.error ? "nc-arrow-err" : ev.hover ? "nc-arrow-hov" : "nc-arrow";
    if (ev.marker !== m) { ev.marker = m; ev.path.setAttribute("marker-end", `url(#${m})`); }
  }

  selectionPayload() {
    const ids = [...this.selNodes].filter((id) => this.nodes.has(id));
    const edges = [...this.selEdges].filter((e) => this.edgeViews.has(e)).map(edgeKey);
    return { ids, edges };
  }

  setSelection(nodes, edges) {
    this.selNodes = new Set(nodes);
    this.selEdges = new Set(edges);
    this.applySelectionClasses();
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

  // ------------------------------------------------------------ edits -> Python
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

  newId(type) {
    let base = String(type).toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 48) || "node";
    let i = 1;
    while (this.nodes.has(`${base}_${i}`)) i++;
    return `${base}_${i}`;
  }

  addNode(type, wx, wy) {
    const entry = this.types.get(type);
    if (!entry || !this.editable()) return null;
    let params = {};
    try { params = isObj(entry.defaults) ? JSON.parse(JSON.stringify(entry.defaults)) : {}; } catch (err) { params = {}; }
    const node = { id: this.newId(type), type, params, pos: [Math.round(wx - NODE_W / 2), Math.round(wy - HEAD_H / 2)] };
    this.doc.nodes.push(node);
    this.nodes.set(node.id, node);
    const v = this.createView(node);
    this.applyNodeAnnotation(v, true);
    this.setSelection([node.id], []);
    this.commit();
    return node;
  }

  addNodeAtCenter(type) {
    const r = (this.vpRect = this.vp.getBoundingClientRect());
    const [wx, wy] = this.toWorld(r.left + r.width / 2, r.top + r.height / 2);
    const k = (this.centerAdds = ((this.centerAdds || 0) + 1) % 6);
    this.addNode(type, wx + k * 24, wy + k * 24);
  }

  compactPorts(targetId) {
    const v = this.views.get(targetId);
    if (!v) return;
    const pc = this.portCounts(v.node);
    if (!pc.variadic) return;
    const ins = this.doc.edges.filter((e) => validEdge(e) && e.target === targetId);
    ins.sort((a, b) => portOf(a) - portOf(b));
    ins.forEach((e, i) => { if (portOf(e) !== i || e.port !== i) e.port = i; });
  }

  connect(src, tgt, port, detached) {
    if (src === tgt) return false;
    if (detached && detached.source === src && detached.target === tgt && portOf(detached) === port) return false;
    const exists = this.doc.edges.some((e) => validEdge(e) && e !== detached && e.source === src && e.target === tgt && portOf(e) === port);
    if (exists && !detached) return false;
    const touched = new Set([tgt]);
    this.doc.edges = this.doc.edges.filter((e) => {
      if (e === detached) { touched.add(e.target); return false; }
      if (validEdge(e) && e.target === tgt && portOf(e) === port) return false;
      return true;
    });
    this.doc.edges.push({ source: src, target: tgt, port });
    for (const id of touched) this.compactPorts(id);
    this.refreshPorts(touched);
    this.rebuildEdges();
    this.applyAnnotations();
    this.selEdges.clear();
    this.applySelectionClasses();
    this.commit();
    return true;
  }

  removeEdge(edge) {
    this.doc.edges = this.doc.edges.filter((e) => e !== edge);
    this.compactPorts(edge.target);
    this.refreshPorts([edge.target]);
    this.rebuildEdges();
    this.applyAnnotations();
    this.selEdges.delete(edge);
    this.applySelectionClasses();
    this.commit();
  }

  deleteSelection() {
    if (!this.editable()) return;
    if (!this.selNodes.size && !this.selEdges.size) return;
    const dead = new Set([...this.selNodes].filter((id) => this.nodes.has(id)));
    const touched = new Set();
    this.doc.edges = this.doc.edges.filter((e) => {
      if (this.selEdges.has(e)) { touched.add(e.target); return false; }
      if (validEdge(e) && (dead.has(e.source) || dead.has(e.target))) { touched.add(e.target); return false; }
      return true;
    });
    this.doc.nodes = this.doc.nodes.filter((n) => !(isObj(n) && dead.has(n.id)));
    for (const id of dead) {
      const v = this.views.get(id);
      if (v) v.el.remove();
      this.views.delete(id);
    }
    this.index();
    for (const id of touched) if (!dead.has(id)) this.compactPorts(id);
    this.refreshPorts([...touched].filter((id) => !dead.has(id)));
    this.rebuildEdges();
    this.selNodes.clear();
    this.selEdges.clear();
    this.applyAnnotations();
    this.applySelectionClasses();
    this.commit();
  }

  // ------------------------------------------------------------ layout
  layout(only) {
    const ids = [...this.nodes.keys()];
    const order = new Map(ids.map((id, i) => [id, i]));
    const preds = new Map(ids.map((id) => [id, []]));
    const succs = new Map(ids.map((id) => [id, []]));
    for (const e of this.doc.edges) {
      if (!validEdge(e) || e.source === e.target || !order.has(e.source) || !order.has(e.target)) continue;
      preds.get(e.target).push(e.source);
      succs.get(e.source).push(e.target);
    }
    // Longest-path depth (Kahn); nodes on cycles get placed after their known preds.
    const indeg = new Map(ids.map((id) => [id, preds.get(id).length]));
    const depth = new Map();
    const queue = ids.filter((id) => indeg.get(id) === 0);
    for (const id of queue) depth.set(id, 0);
    for (let qi = 0; qi < queue.length; qi++) {
      const id = queue[qi];
      for (const t of succs.get(id)) {
        depth.set(t, Math.max(depth.get(t) || 0, depth.get(id) + 1));
        indeg.set(t, indeg.get(t) - 1);
        if (indeg.get(t) === 0) queue.push(t);
      }
    }
    for (const id of ids) {
      if (depth.has(id) && indeg.get(id) === 0) continue;
      let d = 0;
      for (const p of preds.get(id)) if (depth.has(p)) d = Math.max(d, depth.get(p) + 1);
      depth.set(id, d);
    }
    const cols = [];
    for (const id of ids) {
      const d = depth.get(id);
      (cols[d] = cols[d] || []).push(id);
    }
    const hOf = (id) => {
      const v = this.views.get(id);
      return v ? this.height(v) : HEAD_H + 2 * PAD + 3 * ROW;
    };
    const top = new Map();
    cols.forEach((col, d) => {
      if (!col) return;
      const want = new Map();
      for (const id of col) {
        const ps = preds.get(id).filter((p) => top.has(p));
        want.set(id, ps.length ? ps.reduce((a, p) => a + top.get(p), 0) / ps.length : null);
      }
      if (d === 0) {
        let y = 0;
        for (const id of col) { want.set(id, y); y += hOf(id) + GAP_Y; }
      }
      col.sort((a, b) => (want.get(a) ?? 0) - (want.get(b) ?? 0) || order.get(a) - order.get(b));
      let prevBottom = -Infinity, shift = 0, n = 0;
      const placed = [];
      for (const id of col) {
        const w = want.get(id) ?? (prevBottom === -Infinity ? 0 : prevBottom + GAP_Y);
        const y = Math.max(w, prevBottom + GAP_Y);
        placed.push([id, y]);
        shift += w - y; n++;
        prevBottom = y + hOf(id);
      }
      const adj = n > 1 ? shift / n : 0;
      for (const [id, y] of placed) top.set(id, y + adj);
    });
    // Long networks wrap into bands of columns (read like lines of text), with as
    // many bands as make the whole layout largest when fitted to the viewport.
    const ncols = cols.length;
    const extent = cols.map((col) => {
      let lo = Infinity, hi = -Infinity;
      for (const id of col || []) { lo = Math.min(lo, top.get(id)); hi = Math.max(hi, top.get(id) + hOf(id)); }
      return lo === Infinity ? [0, 0] : [lo, hi];
    });
    const W = this.vp.clientWidth || 1000, H = this.vp.clientHeight || 560;
    const bandsFor = (b) => {
      const per = Math.ceil(ncols / b);
      const bands = [];
      for (let i = 0; i * per < ncols; i++) {
        let lo = Infinity, hi = -Infinity;
        for (let c = i * per; c < Math.min(ncols, (i + 1) * per); c++) { lo = Math.min(lo, extent[c][0]); hi = Math.max(hi, extent[c][1]); }
        bands.push([lo, hi]);
      }
      const width = per * NODE_W + (per - 1) * GAP_X;
      const height = bands.reduce((a, [lo, hi]) => a + hi - lo, 0) + (bands.length - 1) * BAND_GAP;
      return { per, bands, k: Math.min((W - 96) / width, (H - 108) / height, 1) };
    };
    let best = bandsFor(1);
    for (let b = 2; b <= Math.min(ncols, 12); b++) {
      const c = bandsFor(b);
      if (c.k > best.k * 1.05) best = c;
    }
    const bandY = [];
    let yAcc = 0;
    best.bands.forEach(([lo, hi], i) => { bandY[i] = yAcc - lo; yAcc += hi - lo + BAND_GAP; });
    for (const id of ids) {
      if (only && !only.has(id)) continue;
      const dcol = depth.get(id), band = Math.floor(dcol / best.per);
      const n = this.nodes.get(id);
      n.pos = [Math.round((dcol - band * best.per) * (NODE_W + GAP_X)), Math.round((top.get(id) || 0) + bandY[band])];
      const v = this.views.get(id);
      if (v) this.placeNode(v);
    }
    for (const ev of this.edgeViews.values()) this.routeEdge(ev);
  }

  // ------------------------------------------------------------ view (pan / zoom)
  applyView() {
    const { x, y, k } = this.view;
    this.world.style.transform = `translate(${x}px, ${y}px) scale(${k})`;
    let gs = 20 * k;
    while (gs < 10) gs *= 2;
    this.vp.style.backgroundSize = `${gs}px ${gs}px`;
    this.vp.style.backgroundPosition = `${x}px ${y}px`;
    this.vp.style.setProperty("--k", String(k));
    this.zoomLabel.textContent = `${Math.round(k * 100)}%`;
  }

  toWorld(cx, cy) {
    const r = this.vpRect || this.vp.getBoundingClientRect();
    return [(cx - r.left - this.view.x) / this.view.k, (cy - r.top - this.view.y) / this.view.k];
  }

  zoomAt(factor, cx, cy) {
    const r = this.vp.getBoundingClientRect();
    const px = cx === undefined ? r.width / 2 : cx - r.left;
    const py = cy === undefined ? r.height / 2 : cy - r.top;
    const k2 = clamp(this.view.k * factor, MIN_K, MAX_K);
    const f = k2 / this.view.k;
    this.view = { x: px - (px - this.view.x) * f, y: py - (py - this.view.y) * f, k: k2 };
    this.applyView();
  }

  bounds() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const v of this.views.values()) {
      const [x, y] = this.pos(v);
      const hh = this.height(v);
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + NODE_W); y1 = Math.max(y1, y + hh);
    }
    return x0 === Infinity ? null : { x0, y0, x1, y1 };
  }

  fit() {
    const W = this.vp.clientWidth, H = this.vp.clientHeight;
    if (!W || !H) { this.pendingFit = true; return; }
    this.pendingFit = false;
    const b = this.bounds();
    if (!b) { this.view = { x: 40, y: 60, k: 1 }; this.applyView(); return; }
    const padX = 48, padTop = 64, padBottom = 44;
    const k = clamp(Math.min((W - 2 * padX) / (b.x1 - b.x0), (H - padTop - padBottom) / (b.y1 - b.y0), 1.2), MIN_K, MAX_K);
    this.view = {
      k,
      x: (W - (b.x1 - b.x0) * k) / 2 - b.x0 * k,
      y: padTop + (H - padTop - padBottom - (b.y1 - b.y0) * k) / 2 - b.y0 * k,
    };
    this.applyView();
  }

  wheel(e) {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.vp.clientHeight : 1;
    let dx = e.deltaX * unit, dy = e.deltaY * unit;
    if (e.ctrlKey || e.metaKey) {
      this.zoomAt(Math.exp(-clamp(dy, -60, 60) * 0.01), e.clientX, e.clientY);
      return;
    }
    if (e.shiftKey && !dx) { dx = dy; dy = 0; }
    this.view.x -= dx;
    this.view.y -= dy;
    this.applyView();
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

  updateToolbar() {
    this.btnSelect.classList.toggle("on", this.tool === "select");
    this.btnPan.classList.toggle("on", this.tool === "pan");
    this.btnDelete.disabled = !this.selNodes.size && !this.selEdges.size;
    this.el.classList.toggle("tool-pan", this.tool === "pan");
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

  // ------------------------------------------------------------ pointer interactions
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

  // Two fingers on a touch screen: pinch to zoom, move to pan.
  touchDown(e) {
    this.touches.set(e.pointerId, [e.clientX, e.clientY]);
    if (this.touches.size !== 2) return this.touches.size > 2;
    if (this.drag) this.cancelDrag();
    const [a, b] = [...this.touches.values()];
    this.pinch = { d0: Math.hypot(a[0] - b[0], a[1] - b[1]) || 1, m0: [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2], v0: { ...this.view } };
    this.vpRect = this.vp.getBoundingClientRect();
    return true;
  }

  touchMove(e) {
    if (!this.touches.has(e.pointerId)) return;
    this.touches.set(e.pointerId, [e.clientX, e.clientY]);
    const p = this.pinch;
    if (!p || this.touches.size !== 2) return;
    const [a, b] = [...this.touches.values()];
    const r = this.vpRect;
    const k = clamp(p.v0.k * (Math.hypot(a[0] - b[0], a[1] - b[1]) / p.d0), MIN_K, MAX_K);
    const mx = (a[0] + b[0]) / 2 - r.left, my = (a[1] + b[1]) / 2 - r.top;
    const wx = (p.m0[0] - r.left - p.v0.x) / p.v0.k, wy = (p.m0[1] - r.top - p.v0.y) / p.v0.k;
    this.view = { k, x: mx - wx * k, y: my - wy * k };
    this.applyView();
  }

  touchUp(e) {
    this.touches.delete(e.pointerId);
    if (this.touches.size < 2) this.pinch = null;
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
    const panning = e.button === 1 || (e.button === 0 && (this.spaceDown || this.tool === "pan"));
    if (panning) {
      e.preventDefault();
      this.drag = { ...base, kind: "pan", vx: this.view.x, vy: this.view.y };
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
    // Empty canvas: rubber band (or a click that clears the selection).
    this.drag = { ...base, kind: "band", keep: base.shift ? new Set(this.selNodes) : new Set() };
    this.startWindowListeners();
  }

  startWire(base, v, portEl) {
    for (const x of this.views.values()) this.height(x);
    if (portEl.classList.contains("nc-out")) {
      this.drag = { ...base, kind: "wire", mode: "out", src: v.id, detached: null };
    } else {
      const port = Number(portEl.dataset.port) || 0;
      const existing = this.doc.edges.find((e) => validEdge(e) && e.target === v.id && portOf(e) === port && this.edgeViews.has(e));
      if (existing) {
        const ev = this.edgeViews.get(existing);
        ev.g.classList.add("detached");
        ev.label.classList.add("detached");
        this.drag = { ...base, kind: "wire", mode: "out", src: existing.source, detached: existing };
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
      this.el.classList.add("dragging-palette");
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
        if (x < wx1 && x + NODE_W > wx0 && y < wy1 && y + this.height(v) > wy0) sel.add(v.id);
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
      [x1, y1] = this.outPortXY(this.views.get(d.src));
      x1 += 5;
      if (cand) [x2, y2] = this.inPortXY(cand.v, cand.port); else [x2, y2] = [wx, wy];
    } else {
      [x2, y2] = this.inPortXY(this.views.get(d.tgt), d.port);
      if (cand) [x1, y1] = this.outPortXY(cand.v); else [x1, y1] = [wx, wy];
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
      if (wx < x - reach || wx > x + NODE_W + reach || wy < y - reach || wy > y + hh + reach) continue;
      const isInside = wx >= x && wx <= x + NODE_W && wy >= y && wy <= y + hh;
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
        const [px, py] = this.outPortXY(v);
        const dist = Math.hypot(wx - px, wy - py);
        if (dist < bestD) { bestD = dist; best = { v, port: 0, el: v.outPort }; }
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
    if (d.kind === "pan") return;
    if (d.kind === "palette") {
      if (!d.started) return;
      const vr = this.vp.getBoundingClientRect();
      if (d.cx >= vr.left && d.cx <= vr.right && d.cy >= vr.top && d.cy <= vr.bottom) {
        this.vpRect = vr;
        const [wx, wy] = this.toWorld(d.cx, d.cy);
        this.addNode(d.entry.type, wx, wy);
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
        if (cand) this.connect(d.src, cand.v.id, cand.port, d.detached);
        else if (d.detached && Math.hypot(d.cx - d.x0, d.cy - d.y0) >= DRAG_THRESHOLD) this.removeEdge(d.detached);
      } else if (cand) {
        this.connect(cand.v.id, d.tgt, d.port, null);
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
    this.wire.style.display = "none";
    if (this.candEl) this.candEl.classList.remove("target");
    if (this.candNode) this.candNode.classList.remove("drop-target");
    this.candEl = this.candNode = null;
    this.el.classList.remove("panning", "wiring", "wiring-out", "wiring-in", "dragging-palette");
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

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let c = STATES.get(parentElement);
  if (!c || c.destroyed) {
    c = new Canvas(parentElement);
    STATES.set(parentElement, c);
  }
  c.setApi(setStateValue, setTriggerValue);
  try {
    c.update(isObj(data) ? data : {});
  } catch (err) {
    console.error("netcanvas canvas: update failed", err);
  }
  return () => c.maybeDestroy();
}
