// Canvas part: edits of the graph document. Add a node, connect, disconnect,
// delete the selection, renumber variadic ports; each edit updates the views and
// ends in one commit() to Python. Methods of Canvas (mixed in by canvas.js).

class EditPart {
  newId(type) {
    let base = String(type).toLowerCase().replace(/[^a-z0-9_-]/g, "").slice(0, 48) || "node";
    let i = 1;
    while (this.nodes.has(`${base}_${i}`)) i++;
    return `${base}_${i}`;
  }

  addNode(type, wx, wy) {
    const entry = this.types.get(type);
    if (!entry || !this.editable()) return null;
    const params = this.paramsOf(entry); // blocks.js: a block of My blocks adds an instance
    const node = { id: this.newId(this.idBaseOf(entry)), type: this.nodeTypeOf(entry), params, pos: [Math.round(wx - NODE_W / 2), Math.round(wy - HEAD_H / 2)] };
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

  connect(src, tgt, port, detached, srcPort = 0) {
    if (src === tgt) return false;
    if (detached && detached.source === src && detached.target === tgt && portOf(detached) === port &&
        sourcePortOf(detached) === srcPort) return false;
    const exists = this.doc.edges.some((e) => validEdge(e) && e !== detached && e.source === src && e.target === tgt &&
      portOf(e) === port && sourcePortOf(e) === srcPort);
    if (exists && !detached) return false;
    const touched = new Set([tgt]);
    this.doc.edges = this.doc.edges.filter((e) => {
      if (e === detached) { touched.add(e.target); return false; }
      if (validEdge(e) && e.target === tgt && portOf(e) === port) return false;
      return true;
    });
    this.doc.edges.push(srcPort ? { source: src, target: tgt, port, source_port: srcPort } : { source: src, target: tgt, port });
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
}
