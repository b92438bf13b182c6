// Canvas part: the check socket (ui/canvas_check.py). After each edit the edited graph also goes to
// the server's check socket, whose answer (the same check and annotations as the Build page's
// fragment run) is shown at once, until Python's own annotations for that edit come with the run.
// Python's annotations stay in `annotations` (payload patches apply to them); what is drawn is
// `shown()`. Without the socket (a failure, a page that gives no `quick_check`) nothing changes: the
// fragment's run answers every edit.
// The other way, with `listen` (its session's token) the canvas also gets pushed an edit made beside it
// (a param in the side panel, undo, redo): the new rev of the graph with its annotations, sent from
// that edit's callback before the fragment's run, and drawn at once (takePush). Methods of Canvas
// (mixed in by canvas.js).

const QUICK_RETRY_MS = 5000;   // after a socket failed, the next edits wait this long to try again

class QuickPart {
  // data.quick_check: {url, lang, listen?} (the socket's path, the language of its messages, the token
  // to listen for pushes with), or null
  takeQuickCheck(q) {
    const cfg = isObj(q) && typeof q.url === "string" && typeof q.lang === "string"
      ? { url: q.url, lang: q.lang, listen: typeof q.listen === "string" ? q.listen : null } : null;
    const before = this.quickCfg;
    this.quickCfg = cfg;
    if (before && (!cfg || before.url !== cfg.url || before.listen !== cfg.listen)) this.closeQuickSocket();
    if (this.quickCfg) this.quickSocket();   // opened before the first edit needs it
    else this.quick = null;
  }

  // The open socket, or null (then one is opened for the next edit).
  quickSocket() {
    if (!this.quickCfg || this.destroyed) return null;
    const ws = this.quickWs;
    if (ws && ws.readyState === WebSocket.OPEN) return ws;
    if (ws && ws.readyState === WebSocket.CONNECTING) return null;
    if (this.quickFailedAt && performance.now() - this.quickFailedAt < QUICK_RETRY_MS) return null;
    try {
      const url = new URL(this.quickCfg.url, window.location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const sock = new WebSocket(url.href);
      const listen = this.quickCfg.listen;
      if (listen) sock.onopen = () => { try { sock.send(JSON.stringify({ listen })); } catch (err) { /* closed */ } };
      sock.onmessage = (event) => this.quickAnswer(event.data);
      sock.onclose = () => {
        if (this.quickWs !== sock) return;
        this.quickWs = null;
        this.quickFailedAt = performance.now();
      };
      this.quickWs = sock;
    } catch (err) {
      this.quickFailedAt = performance.now();
    }
    return null;
  }

  // Called by commit(), after the edit went to Python.
  quickCheck() {
    const ws = this.quickSocket();
    if (!ws) return;
    try {
      ws.send(JSON.stringify({ seq: this.seq, lang: this.quickCfg.lang, graph: this.doc }));
    } catch (err) { /* the fragment's run answers it */ }
  }

  // Shown only for the graph on the canvas now (no edit or command since), and only until Python has
  // acknowledged that edit (its own annotations for it have come, or are on the way in its payload).
  quickAnswer(text) {
    let m = null;
    try { m = JSON.parse(text); } catch (err) { return; }
    if (isObj(m) && isObj(m.push)) { this.takePush(m.push); return; }
    if (!isObj(m) || !isObj(m.annotations) || m.seq !== this.seq || m.seq <= this.acked || this.pendingCmd) return;
    this.quick = { seq: m.seq, annotations: m.annotations };
    this.applyAnnotations();
  }

  // A new rev of the graph shown (an edit made beside the canvas, or the canvas's own undo or redo applied):
  // drawn as the run's payload will draw it, with its annotations shown until that payload (or any later
  // one) comes. Not taken over an edit or command of the canvas's own that its `ack` does not cover (the
  // push does not have it), nor in a gesture. A command it covers is done: the next one queued is sent.
  takePush(p) {
    if (!this.taken || this.destroyed || this.drag || !Number.isInteger(p.ack) || p.ack < this.seq) return;
    if (!isObj(p.graph) || !isObj(p.annotations) || typeof p.rev !== "string") return;
    if (p.view_key !== this.viewKey || p.rev === this.rev) return;
    if (p.ack > this.seq) this.seq = p.ack;
    this.acked = Math.max(this.acked || 0, p.ack);
    if (p.palette !== undefined) this.takePalette(p.palette);
    this.quick = { seq: this.seq, annotations: p.annotations };
    this.takeGraph(p.graph, p.rev, null);
    this.stats.pushes += 1;
    if (this.pendingCmd && p.ack >= this.pendingCmd.seq) {
      this.pendingCmd = null;
      this.sendQueuedCommand();
    }
  }

  // The annotations drawn: the socket's answer for the latest edit while Python's is still on the way.
  shown() {
    return this.quick ? this.quick.annotations : this.annotations;
  }

  closeQuickSocket() {
    const ws = this.quickWs;
    this.quickWs = null;
    if (ws) try { ws.close(); } catch (err) { /* closed already */ }
  }
}
