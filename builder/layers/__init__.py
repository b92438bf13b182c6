"""Every layer type NetCanvas knows, one ``register(LayerSpec(...))`` each, grouped by category."""
from . import io, core, conv, pool, norm, activation, recurrent, attention, structural, trees, speech, text_gen, multihead  # noqa: F401
