"""Language models in the app: the live sample on the Train page (with its temperature slider) and "write on
from a prompt" in Try the model (Export page). The text a model writes is shown as text, never as markdown."""
from __future__ import annotations

import streamlit as st

from runtime import lm, runfiles
from runtime.lm import DEFAULT_TEMPERATURE, SAMPLE, SAMPLE_SETTINGS, generate_text
from ui import train_state
from ui.session import localized

LIVE_EVERY = 2.0                      # seconds between looks at sample.json while the run trains
TEMPERATURES = (0.0, 2.0, 0.1)        # the sliders' range and step


def live_sample(run) -> None:
    """The run's latest sample and a temperature slider that the run reads for its next one; for a language
    model's run only."""
    from ui.train_live import is_live
    if run is None or not (is_live(run) or train_state.run_mode(run.dir, run.job) == lm.MODE):
        return
    every = LIVE_EVERY if is_live(run) else None

    @st.fragment(run_every=every)
    def panel():
        if train_state.run_mode(run.dir, run.job) != lm.MODE:     # not known until the run has read its data
            return
        with st.container(border=True, key="tg_live"):
            st.markdown(f"#### :material/edit_note: {localized('textgen.live_title')}")
            _temperature_slider(run)
            sample = runfiles.read_json(run.dir / SAMPLE)
            if not sample:
                st.caption(localized("textgen.live_waiting"))
                return
            st.caption(localized("textgen.live_caption", step=sample["step"], temperature=f"{sample['temperature']:.1f}"))
            st.code(sample["text"], language=None, wrap_lines=True)

    panel()


def _temperature_slider(run) -> None:
    key = f"tg_temperature_{run.id}"
    current = lm.sample_temperature(run.dir)
    value = st.slider(localized("textgen.temperature"), *TEMPERATURES[:2], value=current, step=TEMPERATURES[2],
                      key=key, help=localized("textgen.temperature_help"))
    if value != current:
        runfiles.write_json(run.dir / SAMPLE_SETTINGS, {"temperature": float(value)})


def write_on(predictor, run, run_id: str, language: str) -> None:
    """Try the model: the continuation of a prompt, with the sampling settings of the command line."""
    prompt = st.text_area(localized("textgen.prompt"), value=localized("textgen.prompt_example"), key=f"tg_prompt_{run_id}",
                          height=80)
    left, middle, right = st.columns(3)
    tokens = left.number_input(localized("textgen.tokens"), 1, 2000, 200, key=f"tg_tokens_{run_id}")
    temperature = middle.slider(localized("textgen.temperature"), *TEMPERATURES[:2], value=DEFAULT_TEMPERATURE,
                                step=TEMPERATURES[2], key=f"tg_try_temperature_{run_id}",
                                help=localized("textgen.temperature_help"))
    seed = right.number_input(localized("exportpage.seed"), 0, 2**31 - 1, 0, key=f"tg_seed_{run_id}")
    if st.button(localized("textgen.write"), icon=":material/edit_note:", key=f"tg_write_{run_id}"):
        with st.spinner(localized("textgen.writing")):
            text = generate_text(predictor.module, predictor.record, prompt, int(tokens), float(temperature), int(seed))
        st.session_state[f"tg_written_{run_id}"] = prompt + text
    written = st.session_state.get(f"tg_written_{run_id}")
    if written is not None:
        st.code(written, language=None, wrap_lines=True)


def corpus_preview(view, lang: str) -> None:
    """A corpus on the Data page: a few of its windows as the text they are (shown as text, not markdown)."""
    from builder.i18n import translate
    from runtime.data.textgen import lm_decode
    level = (view.extra.get("tokens") or {}).get("level", "char")
    first = next(iter(view.samples.values()))
    rows = [{"text": lm_decode(x, view.vocab or [], level)} for x in first]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"text": st.column_config.TextColumn(translate("datapage.col_text", lang), width="large")})
    st.caption(translate("textgen.corpus_note", lang, level=level, vocab=len(view.vocab or []),
                         seq_len=view.sample_shape[0] if view.sample_shape else "?", n=f"{view.n:,}"))
