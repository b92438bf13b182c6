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
//
// This file is the last of the parts ui/canvas/__init__.py joins into one module
// (util, render, viewport, layout, edit, interaction, protocol, canvas): the Canvas
// class with its state and life cycle, the parts' methods mixed into it, and the
// component's entry point. State lives on parentElement so reruns keep it.

const STATES = new WeakMap();

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
    this.pendingCmd = null; // {seq, at}
    this.cmdQueue = [];
    this.views = new Map(); // node id -> view
    this.edgeViews = new Map(); // edge object -> view
    this.selNodes = new Set();
    this.selEdges = new Set();
    this.lastSentSel = "[]|[]";
    this.annotations = {};
    this.view = { x: 40, y: 40, k: 1 };
    this.viewKey = null; // which document's view this is (data.view_key; viewport.js keeps one per key)
    this.wheelGesture = null; // {pans, at}: how the current wheel gesture navigates (viewport.js)
    this.pendingFit = false;
    this.focusSeq = null; // the last request of Python to show a node (protocol.js)
    // ... also passed on as a window event by the fragment that draws the problems list (ui/build_fragment.py)
    this.onFocusAsked = (event) => this.takeFocus(event.detail);
    window.addEventListener("netcanvas:focus", this.onFocusAsked);
    this.quickCfg = null; // the check socket (quick.js): where, and its answer shown until Python's
    this.quickWs = null;
    this.quick = null;
    this.acked = 0; // the highest seq Python has acknowledged
    this.drawnSent = null; // the last "drawn" Python asked for, announced on window (protocol.js)
    this.tool = "select";
    this.spaceDown = false;
    this.drag = null;
    this.touches = new Map();
    this.pinch = null;
    this.raf = 0;
    this.labelEls = []; // [el, key, prop]
    this.destroyed = false;
    // Timings a test (or a curious developer) can read from the root element.
    this.stats = { updates: 0, updateMsLast: 0, frames: 0, frameMsMax: 0, frameMsTotal: 0, pushes: 0 };
    this.buildDom(); // render.js
    this.bindEvents(); // interaction.js
    this.observeSize(); // viewport.js
    this.applyView();
    this.updateToolbar();
    this.el._ncStats = this.stats;
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
    window.removeEventListener("netcanvas:focus", this.onFocusAsked);
    this.closeQuickSocket();
    if (this.raf) cancelAnimationFrame(this.raf);
    STATES.delete(this.root);
  }
}

// Each part is a class used only as a bag of methods: copy them onto Canvas.
for (const part of [RenderPart, ViewportPart, LayoutPart, EditPart, InteractionPart, ProtocolPart, BlocksPart, QuickPart]) {
  for (const name of Object.getOwnPropertyNames(part.prototype)) {
    if (name !== "constructor") Object.defineProperty(Canvas.prototype, name, Object.getOwnPropertyDescriptor(part.prototype, name));
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
