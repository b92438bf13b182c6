// A small drawing pad: draw with the mouse (or a finger), get back a grey image at the model's size.
// data = {size: [h, w], strings: {clear, hint}}; state "image" = {seq, size, pixels (row-major, 0..1)}.
const PAD = 224;

function build(parentElement, data, setStateValue) {
  const root = document.createElement("div");
  root.className = "nd-root";
  const canvas = document.createElement("canvas");
  canvas.width = PAD; canvas.height = PAD;
  canvas.className = "nd-pad";
  const bar = document.createElement("div");
  bar.className = "nd-bar";
  const clear = document.createElement("button");
  clear.className = "nd-clear";
  const hint = document.createElement("span");
  hint.className = "nd-hint";
  bar.append(clear, hint);
  root.append(canvas, bar);
  parentElement.appendChild(root);
  const ctx = canvas.getContext("2d");
  const st = { root, canvas, ctx, clear, hint, drawing: false, last: null, seq: 0, size: [8, 8], setStateValue };
  const reset = () => { ctx.fillStyle = "#000"; ctx.fillRect(0, 0, PAD, PAD); };
  reset();
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * PAD / r.width, (e.clientY - r.top) * PAD / r.height];
  };
  canvas.addEventListener("pointerdown", (e) => {
    st.drawing = true; st.last = pos(e); canvas.setPointerCapture(e.pointerId); stroke(st, st.last, st.last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!st.drawing) return;
    const p = pos(e); stroke(st, st.last, p); st.last = p;
  });
  const finish = () => { if (st.drawing) { st.drawing = false; send(st); } };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);
  clear.addEventListener("click", () => { reset(); send(st); });
  return st;
}

function stroke(st, a, b) {
  const { ctx } = st;
  // The pen is about a twelfth of the pad, like a pen stroke on an 8x8 or 28x28 digit.
  ctx.strokeStyle = "#fff"; ctx.lineWidth = PAD / 11; ctx.lineCap = "round"; ctx.lineJoin = "round";
  ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
}

function send(st) {
  const [h, w] = st.size;
  const img = st.ctx.getImageData(0, 0, PAD, PAD).data;
  const pixels = new Array(h * w).fill(0);
  const ch = PAD / h, cw = PAD / w;
  for (let y = 0; y < PAD; y++) {
    const row = Math.min(h - 1, Math.floor(y / ch));
    for (let x = 0; x < PAD; x++) {
      const col = Math.min(w - 1, Math.floor(x / cw));
      pixels[row * w + col] += img[(y * PAD + x) * 4] / 255;
    }
  }
  const area = ch * cw;
  for (let i = 0; i < pixels.length; i++) pixels[i] = Math.round((pixels[i] / area) * 1000) / 1000;
  st.seq += 1;
  st.setStateValue("image", { seq: st.seq, size: [h, w], pixels });
}

const pads = new WeakMap();

export default function ({ data, parentElement, setStateValue }) {
  let st = pads.get(parentElement);
  if (!st) { st = build(parentElement, data || {}, setStateValue); pads.set(parentElement, st); }
  st.setStateValue = setStateValue;
  const d = data || {};
  if (Array.isArray(d.size) && d.size.length === 2) st.size = d.size.map((v) => Math.max(1, Math.min(64, v | 0)));
  const s = d.strings || {};
  st.clear.textContent = typeof s.clear === "string" ? s.clear : "clear";   // textContent: never HTML
  st.hint.textContent = typeof s.hint === "string" ? s.hint : "";
}
