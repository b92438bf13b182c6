"""Try the model (Export page): draw a digit, type features or text, pick a sample, or generate."""
from __future__ import annotations

import json

import numpy as np
import streamlit as st

from builder.errors import CodedError
from runtime.export import Predictor

from . import export_view, figures
from .draw import drawing_pad
from .literal import md_literal
from .session import localized


@st.cache_data(max_entries=4, show_spinner=False)
def builtin_samples(name: str, options_json: str, count: int = 64):
    """A few raw samples of a built-in set (the data the run trained on), for picking one to try."""
    from runtime.data import builtin
    ds = builtin.load(name, **json.loads(options_json))
    take = min(count, len(ds))
    inputs = {k: v[:take].numpy() for k, v in ds.inputs.items()}
    target = ds.target[:take].numpy() if ds.target is not None else None
    return inputs, target, ds.class_names, ds.vocab


def show_prediction(prediction: dict, language: str) -> None:
    """Class probabilities as bars, a regression value, or a reconstruction."""
    if "probabilities" in prediction:
        st.markdown(f"**{localized('export.prediction', label=md_literal(prediction['labels'][0]))}**")
        st.plotly_chart(figures.class_probabilities(prediction["probabilities"][0], prediction["class_names"], language),
                        key="probs_chart")
    elif "values" in prediction:
        st.metric(localized("exportpage.predicted_value"), np.array2string(np.asarray(prediction["values"][0]), precision=4))
    elif "reconstruction" in prediction:
        st.plotly_chart(figures.image_grid(np.asarray(prediction["reconstruction"])[:1],
                                           title=localized("export.reconstruction")), key="recon_chart")



def render(run, run_id: str, language: str) -> None:
    """Feed the trained model new input the way its data looks, and show what it says."""
    try:
        predictor = Predictor(run)
        from .rl_view import play
        from .textgen_view import write_on
        show = {"draw": _draw, "features": _features, "text": _text, "generate": _generate, "write": write_on,
                "play": play}.get(
            export_view.try_kind(predictor), _pick_sample)
        if (predictor.record or {}).get("audio"):      # sounds: the microphone or a WAV file
            from .data_audio import try_sound as show
        show(predictor, run, run_id, language)
    except CodedError as exc:
        st.error(md_literal(exc.message(language)))


def _draw(predictor, run, run_id: str, language: str) -> None:
    shape = next(iter(predictor.data_inputs().values()))["shape"]
    left, right = st.columns([1, 1.4])
    with left:
        st.caption(localized("exportpage.draw_help"))
        drawing = drawing_pad((int(shape[1]), int(shape[2])),
                              {"clear": localized("exportpage.clear"), "hint": localized("exportpage.draw_hint")}, key=f"pad_{run_id}")
    with right:
        if drawing is not None and drawing.max() > 0:
            show_prediction(predictor.predict(export_view.drawing_to_input(drawing, shape)), language)
        else:
            st.info(localized("exportpage.draw_first"), icon=":material/draw:")


def _features(predictor, run, run_id: str, language: str) -> None:
    st.caption(localized("exportpage.features_help"))
    cols = st.columns(4)
    values = [cols[i % 4].number_input(md_literal(name), value=float(round(default, 4)), format="%g",
                                       key=f"feat_{run_id}_{i}")
              for i, (name, default) in enumerate(export_view.feature_defaults(predictor))]
    show_prediction(predictor.predict(np.asarray([values], dtype=np.float32)), language)


def _text(predictor, run, run_id: str, language: str) -> None:
    text = st.text_input(localized("exportpage.text_label"), value=localized("exportpage.text_example"), key=f"text_{run_id}")
    show_prediction(predictor.predict(text), language)


def _generate(predictor, run, run_id: str, language: str) -> None:
    seed = st.number_input(localized("exportpage.seed"), min_value=0, value=0, step=1, key="gen_seed")
    samples = predictor.sample(16, seed=int(seed))
    if samples.ndim >= 3:
        st.plotly_chart(figures.image_grid(samples, title=localized("export.samples")), key="gen_grid")
    else:
        st.plotly_chart(figures.points_2d(samples.reshape(len(samples), -1), None, None, language,
                                          title=localized("export.samples")), key="gen_points")


def _pick_sample(predictor, run, run_id: str, language: str) -> None:
    """Any other model (and autoencoders): pick a sample of the built-in set it trained on."""
    from runtime.data import builtin
    data_name = (predictor.record or {}).get("data")
    if data_name not in builtin.names():
        st.info(localized("exportpage.sample_builtin_only"), icon=":material/info:")
        return
    inputs, target, class_names, _ = builtin_samples(data_name, json.dumps(run.config.get("data_options") or {},
                                                                           sort_keys=True))
    n = len(next(iter(inputs.values())))
    i = st.slider(localized("exportpage.pick_sample"), 0, n - 1, 0, key=f"sample_{run_id}")
    raw = {k: v[i:i + 1] for k, v in inputs.items()}
    if target is not None and class_names:
        st.caption(localized("exportpage.true_label", label=md_literal(class_names[int(target[i])])))
    first = next(iter(raw.values()))
    if first.ndim == 4:   # an image: show what goes in
        st.plotly_chart(figures.image_grid(first, title=localized("exportpage.input")), key="input_img")
    show_prediction(predictor.predict(raw if len(raw) > 1 else first), language)
