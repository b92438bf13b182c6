// Canvas part: shared helpers and constants. Node-card geometry (canvas.css uses
// the same numbers), zoom limits, icons and category colours, and the small free
// functions the other parts use: DOM builders h()/s()/icon(), value checks
// (isObj, own, finite, validPos, validEdge, isTextTarget), edge keys, number, value
// and shape formatting, category colours, and the edge curve (bezier, backRoute).
// Free functions live here only; the other parts hold methods of Canvas.

const SVGNS = "http://www.w3.org/2000/svg";

// Geometry of a node card. canvas.css uses the same numbers.
const NODE_W = 200;
const HEAD_H = 34;
const PAD = 6;
const ROW = 20;
const MAX_PORTS = 32;
const MIN_K = 0.1;
const MAX_K = 2.5;
// Navigation. A mouse wheel notch (100 px, or 3 lines) zooms by about 10 %; a trackpad pinch sends
// many small deltas with ctrlKey set. A wheel event of a gesture that starts with pixel deltas under
// WHEEL_NOTCH_MIN_PX, or sideways, is a trackpad's two-finger scroll: it pans. A gesture ends after
// a pause of WHEEL_GESTURE_GAP_MS. Panning keeps MIN_VISIBLE_PX of the graph in view.
const WHEEL_LINE_PX = 33;
const WHEEL_NOTCH_PX = 100;
const WHEEL_ZOOM_PER_NOTCH = 1.1;
const PINCH_ZOOM_RATE = 0.01;
const WHEEL_NOTCH_MIN_PX = 40;
const WHEEL_GESTURE_GAP_MS = 150;
const MIN_VISIBLE_PX = 80;

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
// The node entries of a set of annotations ({} when it has none).
function nodesOf(annotations) { return isObj(annotations) && isObj(annotations.nodes) ? annotations.nodes : {}; }
function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
function finite(v) { return typeof v === "number" && Number.isFinite(v); }
function validPos(p) { return Array.isArray(p) && p.length >= 2 && finite(p[0]) && finite(p[1]); }
function portOf(e) { return Number.isInteger(e.port) && e.port >= 0 ? e.port : 0; }
function sourcePortOf(e) { return Number.isInteger(e.source_port) && e.source_port >= 0 ? e.source_port : 0; }
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
  if (isObj(v) && typeof v.$param === "string" && Object.keys(v).length === 1) return `‹${v.$param}›`; // a block param
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
