// Canvas part: the viewport. Pan and zoom as in other node editors (the wheel zooms
// around the pointer, a trackpad pinch too; Shift+wheel and a trackpad's two-finger
// scroll pan; touch pinch; the zoom buttons), a pan that keeps some of the graph in
// view, the view of each document remembered (per view key), screen <-> world
// coordinates, fitting the graph in view, and refitting once a hidden canvas gets a
// size. Methods of Canvas (mixed in by canvas.js).

// The view of each document (data.view_key, a tab), kept while the page lives: switching tabs, or
// leaving the Build page and coming back, shows each graph where it was left.
const SAVED_VIEWS = new Map();

class ViewportPart {
  // ------------------------------------------------------------ view (pan / zoom)
  applyView() {
    this.clampView();
    if (this.viewKey !== null && this.viewKey !== undefined) SAVED_VIEWS.set(this.viewKey, { ...this.view });
    const { x, y, k } = this.view;
    this.world.style.transform = `translate(${x}px, ${y}px) scale(${k})`;
    let gs = 20 * k;
    while (gs < 10) gs *= 2;
    this.vp.style.backgroundSize = `${gs}px ${gs}px`;
    this.vp.style.backgroundPosition = `${x}px ${y}px`;
    this.vp.style.setProperty("--k", String(k));
    this.zoomLabel.textContent = `${Math.round(k * 100)}%`;
  }

  // Keep MIN_VISIBLE_PX of the graph (or all of it, when smaller) inside the viewport on each axis,
  // so it can never be panned or zoomed out of reach.
  clampView() {
    const W = this.vp.clientWidth, H = this.vp.clientHeight;
    const b = W && H ? this.bounds() : null;
    if (!b) return;
    const { k } = this.view;
    const keepX = Math.min(MIN_VISIBLE_PX, (b.x1 - b.x0) * k), keepY = Math.min(MIN_VISIBLE_PX, (b.y1 - b.y0) * k);
    this.view.x = clamp(this.view.x, keepX - b.x1 * k, W - keepX - b.x0 * k);
    this.view.y = clamp(this.view.y, keepY - b.y1 * k, H - keepY - b.y0 * k);
  }

  savedView(key) {
    const v = key === null || key === undefined ? null : SAVED_VIEWS.get(key);
    return v ? { ...v } : null;
  }

  panBy(dx, dy) {
    this.view.x += dx;
    this.view.y += dy;
    this.applyView();
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

  // The node in the middle of the view, at a zoom where its text can be read.
  centerOn(v) {
    const W = this.vp.clientWidth, H = this.vp.clientHeight;
    if (!W || !H) return;
    const [x, y] = this.pos(v);
    const k = this.view.k < 0.7 ? 1 : this.view.k;
    this.view = { k, x: W / 2 - (x + this.width(v) / 2) * k, y: H / 2 - (y + this.height(v) / 2) * k };
    this.applyView();
  }

  bounds() {
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const v of this.views.values()) {
      const [x, y] = this.pos(v);
      const hh = this.height(v);
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + this.width(v)); y1 = Math.max(y1, y + hh);
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

  // A graph taken while the canvas had no size is fitted once it gets one.
  observeSize() {
    this.ro = new ResizeObserver(() => {
      if (this.pendingFit && this.vp.clientWidth > 0) this.fit();
    });
    this.ro.observe(this.vp);
  }

  // The wheel zooms around the pointer in fine steps; a trackpad pinch (ctrlKey) too. Shift+wheel
  // pans sideways; a trackpad's two-finger scroll pans both ways.
  wheel(e) {
    e.preventDefault();
    const unit = e.deltaMode === 1 ? WHEEL_LINE_PX : e.deltaMode === 2 ? this.vp.clientHeight : 1;
    let dx = e.deltaX * unit, dy = e.deltaY * unit;
    if (e.ctrlKey || e.metaKey) {
      this.zoomAt(Math.exp(-clamp(dy, -50, 50) * PINCH_ZOOM_RATE), e.clientX, e.clientY);
      return;
    }
    if (e.shiftKey || this.wheelPans(e)) {
      if (e.shiftKey && !dx) { dx = dy; dy = 0; }
      this.panBy(-dx, -dy);
      return;
    }
    const notches = clamp(dy, -WHEEL_NOTCH_PX, WHEEL_NOTCH_PX) / WHEEL_NOTCH_PX;
    this.zoomAt(Math.pow(WHEEL_ZOOM_PER_NOTCH, -notches), e.clientX, e.clientY);
  }

  // Browsers do not say which device sent a wheel event. A trackpad sends a stream of small pixel
  // deltas, often sideways too; a mouse wheel sends notches (lines, or 100 px and more). Decided at
  // the start of a gesture and kept until it pauses (a fast swipe grows large deltas mid-gesture).
  wheelPans(e) {
    const now = performance.now();
    if (!this.wheelGesture || now - this.wheelGesture.at > WHEEL_GESTURE_GAP_MS) {
      const small = e.deltaMode === 0 && Math.abs(e.deltaY) < WHEEL_NOTCH_MIN_PX;
      this.wheelGesture = { pans: e.deltaMode === 0 && (e.deltaX !== 0 || small) };
    }
    this.wheelGesture.at = now;
    return this.wheelGesture.pans;
  }

  // ------------------------------------------------------------ touch: pinch to zoom, two fingers to pan
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
}
