// NetCanvas live plot: a Streamlit custom component v2 that draws a Plotly figure and
// updates it in place with Plotly.react, so a chart refreshed every second keeps its
// DOM node, its zoom (layout.uirevision) and hidden traces, and never flashes.
//
// data = {spec: {data, layout}, config, rev}. A call with the rev already drawn does
// nothing. Plotly is the copy Streamlit's own st.plotly_chart loads (window.Plotly);
// ui/live_plot/__init__.py draws one tiny static st.plotly_chart so it is there.

const STATES = new WeakMap();
const WAIT_MS = 50;
const GIVE_UP_MS = 20000;

function draw(state) {
  const Plotly = window.Plotly;
  const next = state.pending;
  if (!next) return;
  // A chart scrolled out of view (or in a hidden tab) waits: it is drawn when it shows.
  // Watching training should cost the machine as little as possible.
  if (state.drawn && !state.visible) return;
  if (!Plotly || typeof Plotly.react !== "function") {
    if (Date.now() - state.since > GIVE_UP_MS) {
      state.div.textContent = "(chart unavailable: Plotly did not load)";
      return;
    }
    if (!state.timer) {
      state.timer = setTimeout(() => { state.timer = null; draw(state); }, WAIT_MS);
    }
    return;
  }
  state.pending = null;
  if (next.rev === state.rev) return;
  state.rev = next.rev;
  state.drawn = true;
  const spec = next.spec || {};
  const layout = Object.assign({}, spec.layout || {});
  layout.autosize = true;
  delete layout.width;
  Plotly.react(state.div, spec.data || [], layout, Object.assign({ responsive: true }, next.config || {}));
  state.div.dataset.rev = String(next.rev);
}

export default function (component) {
  const { data, parentElement } = component;
  let state = STATES.get(parentElement);
  if (!state) {
    const div = document.createElement("div");
    div.className = "nc-live-plot";
    div.style.width = "100%";
    parentElement.appendChild(div);
    state = { div, rev: null, pending: null, timer: null, since: Date.now(), visible: true, drawn: false };
    STATES.set(parentElement, state);
    if (typeof IntersectionObserver === "function") {
      state.observer = new IntersectionObserver((entries) => {
        state.visible = entries.some((e) => e.isIntersecting) && document.visibilityState !== "hidden";
        if (state.visible) draw(state);
      }, { rootMargin: "200px" });
      state.observer.observe(div);
      state.onVisibility = () => {
        if (document.visibilityState === "hidden") state.visible = false;
        else { state.visible = true; draw(state); }
      };
      document.addEventListener("visibilitychange", state.onVisibility);
    }
  }
  if (data && typeof data === "object") {
    state.div.style.height = (data.height || 300) + "px";
    state.pending = data;
    draw(state);
  }
  return () => {
    setTimeout(() => {
      if (!parentElement.isConnected) {
        if (state.observer) state.observer.disconnect();
        if (state.onVisibility) document.removeEventListener("visibilitychange", state.onVisibility);
        if (window.Plotly && state.div) window.Plotly.purge(state.div);
        STATES.delete(parentElement);
      }
    }, 0);
  };
}
