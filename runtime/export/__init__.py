"""Export a trained run: standalone training script, weights (safetensors / .pt), ONNX,
a zip bundle, and "try the model" predictions. No streamlit here.

    from runtime.export import training_script, save_safetensors, export_onnx, bundle_bytes, Predictor

The command line is ``python -m runtime.export RUN_DIR --zip out.zip`` (see ``__main__``).
"""
from .bundle import bundle_bytes, bundle_files, make_bundle
from .common import ExportError, Run, find_checkpoint, load_module, load_run, model_source, strip_main
from .predict import Predictor, predict
from .script import training_script
from .weights import load_weights, safetensors_bytes, save_safetensors, save_state_dict, state_dict, state_dict_bytes


def export_onnx(*args, **kwargs):
    """``onnx_export.export_onnx`` (imported on first use: onnx is heavy)."""
    from .onnx_export import export_onnx as _export
    return _export(*args, **kwargs)


__all__ = ["ExportError", "Predictor", "Run", "bundle_bytes", "bundle_files", "export_onnx", "find_checkpoint",
           "load_module", "load_run", "load_weights", "make_bundle", "model_source", "predict", "safetensors_bytes",
           "save_safetensors", "save_state_dict", "state_dict", "state_dict_bytes", "strip_main", "training_script"]
