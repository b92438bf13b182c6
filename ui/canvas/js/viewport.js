// Canvas part: the viewport. Pan and zoom (wheel, two-finger pinch, the zoom
// buttons), screen <-> world coordinates, fitting the graph in view, and refitting
// once a hidden canvas gets a size. Methods of Canvas (mixed in by canvas.js).

class ViewportPart {
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

  // The node in the middle of the view, at a zoom where its text can be read.
  centerOn(v) {
    const W = this.vp.clientWidth, H = this.vp.clientHeight;
    if (!W || !H) return;
    const [x, y] = this.pos(v);
    const k = this.view.k < 0.7 ? 1 : this.view.k;
    this.view = { k, x: W / 2 - (x + NODE_W / 2) * k, y: H / 2 - (y + this.height(v) / 2) * k };
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

  // A graph taken while the canvas had no size is fitted once it gets one.
  observeSize() {
    this.ro = new ResizeObserver(() => {
      if (this.pendingFit && this.vp.clientWidth > 0) this.fit();
    });
    this.ro.observe(this.vp);
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
