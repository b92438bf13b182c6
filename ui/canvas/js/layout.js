// Canvas part: auto layout. Places nodes left to right by topological depth and
// wraps long networks into bands that fit the viewport. Methods of Canvas (mixed
// in by canvas.js).

const GAP_X = 110;
const GAP_Y = 28;
const BAND_GAP = 84;

class LayoutPart {
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
    // a column is as wide as its widest card (an instance expanded in place is wider: blocks.js)
    const colW = cols.map((col) => Math.max(NODE_W, ...(col || []).map((id) => {
      const v = this.views.get(id);
      return v ? this.width(v) : NODE_W;
    })));
    const spanOf = (c0, c1) => { let w = 0; for (let c = c0; c < c1; c++) w += colW[c] + GAP_X; return w; };
    const W = this.vp.clientWidth || 1000, H = this.vp.clientHeight || 560;
    const bandsFor = (b) => {
      const per = Math.ceil(ncols / b);
      const bands = [];
      for (let i = 0; i * per < ncols; i++) {
        let lo = Infinity, hi = -Infinity;
        for (let c = i * per; c < Math.min(ncols, (i + 1) * per); c++) { lo = Math.min(lo, extent[c][0]); hi = Math.max(hi, extent[c][1]); }
        bands.push([lo, hi]);
      }
      let width = 0;
      for (let i = 0; i * per < ncols; i++) width = Math.max(width, spanOf(i * per, Math.min(ncols, (i + 1) * per)) - GAP_X);
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
      n.pos = [Math.round(spanOf(band * best.per, dcol)), Math.round((top.get(id) || 0) + bandY[band])];
      const v = this.views.get(id);
      if (v) this.placeNode(v);
    }
    for (const ev of this.edgeViews.values()) this.routeEdge(ev);
  }
}
