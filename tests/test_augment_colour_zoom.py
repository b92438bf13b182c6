"""Augmentations hue, saturation (RGB only) and zoom_out: their effect against independent truth
(the standard library's colorsys, plain formulas, torch's own pooling)."""
from __future__ import annotations

import colorsys

import pytest
import torch
import torch.nn.functional as F

from runtime.config import ConfigError, TrainConfig
from runtime.data.augment import Augmenter, adjust_saturation, rotate_hue, zoom_out
from runtime.data.errors import DataError
from runtime.train import Trainer


def _solid(rgb, n=1, size=4) -> torch.Tensor:
    return torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1).expand(n, 3, size, size).clone()


def _hue(img: torch.Tensor) -> float:
    return colorsys.rgb_to_hsv(*img[:, 0, 0].tolist())[0]


def test_a_third_of_a_turn_sends_red_to_green_to_blue_and_keeps_grey():
    x = torch.cat([_solid((1, 0, 0)), _solid((0, 1, 0)), _solid((0.4, 0.4, 0.4))])
    out = rotate_hue(x, 1 / 3)
    assert torch.allclose(out[0, :, 0, 0], torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)
    assert torch.allclose(out[1, :, 0, 0], torch.tensor([0.0, 0.0, 1.0]), atol=1e-6)
    assert torch.allclose(out[2], x[2], atol=1e-6)


@pytest.mark.parametrize("turns", [1 / 6, 1 / 3, -1 / 12])
def test_hue_turns_colorsys_hue_by_that_share(turns):
    x = _solid((0.9, 0.2, 0.1))
    out = rotate_hue(x, turns)[0]
    moved = (_hue(out) - _hue(x[0])) % 1.0
    assert min(abs(moved - turns % 1.0), 1 - abs(moved - turns % 1.0)) < 0.03
    assert torch.allclose(out.mean(0), x[0].mean(0), atol=1e-6)     # a pixel's mean stays


def test_random_hue_spreads_one_colour_over_the_wheel():
    out = Augmenter({"hue": 0.5}, seed=0)(_solid((0.9, 0.2, 0.1), n=64))
    hues = torch.tensor([_hue(img) for img in out.clamp(0, 1)])
    assert hues.std() > 0.15 and len({round(h, 2) for h in hues.tolist()}) > 20


def test_saturation_blends_with_luma_grey():
    x = torch.rand(3, 3, 5, 5)
    grey = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
    assert torch.allclose(adjust_saturation(x, 0.0), grey.unsqueeze(1).expand_as(x), atol=1e-6)
    assert torch.allclose(adjust_saturation(x, 2.0), 2 * x - grey.unsqueeze(1), atol=1e-6)
    batch = x.repeat(20, 1, 1, 1)
    ratio = Augmenter({"saturation": 0.9}, seed=1)(batch).std(1).mean((1, 2)) / batch.std(1).mean((1, 2))
    assert ratio.min() < 0.5 and ratio.max() > 1.5      # colourfulness (spread across channels) drawn in [0.1, 1.9]


def test_hue_and_saturation_are_refused_for_grayscale_with_the_reason():
    with pytest.raises(DataError) as info:
        Augmenter({"saturation": 0.3})(torch.rand(2, 1, 8, 8))
    assert info.value.code == "data.augment_rgb" and "1 channel" in info.value.message()
    with pytest.raises(ConfigError) as info:
        Trainer(TrainConfig.from_dict({"data": "digits", "augment": {"hue": 0.1}, "epochs": 1}),
                {"format": "netcanvas.graph", "version": 1, "name": "g",
                 "nodes": [{"id": "x", "type": "Input", "params": {"shape": [1, 8, 8]}},
                           {"id": "f", "type": "Flatten", "params": {}},
                           {"id": "l", "type": "Linear", "params": {"out_features": 10}},
                           {"id": "y", "type": "Output", "params": {}}],
                 "edges": [{"source": "x", "target": "f"}, {"source": "f", "target": "l"},
                           {"source": "l", "target": "y"}]})
    assert info.value.code == "data.augment_rgb" and "RGB" in info.value.message()


def test_zoom_out_by_two_is_half_size_average_framed_by_padding():
    x = torch.rand(2, 3, 8, 8)
    out = zoom_out(x, torch.full((2,), 2.0), torch.zeros(2, 2))
    assert torch.allclose(out, F.pad(F.avg_pool2d(x, 2), (2, 2, 2, 2)), atol=1e-6)
    corner = zoom_out(x, torch.full((2,), 2.0), torch.tensor([[0.5, 0.5], [0.5, 0.5]]))
    assert torch.allclose(corner[:, :, 4:, 4:], F.avg_pool2d(x, 2), atol=1e-6)    # moved to the bottom right
    assert corner[:, :, :4].abs().max() == 0 and corner[:, :, :, :4].abs().max() == 0


def test_random_zoom_out_shrinks_the_whole_image_into_the_frame():
    out = Augmenter({"zoom_out": 1.0}, seed=0)(torch.ones(200, 1, 16, 16))
    kept = out.mean((1, 2, 3))             # the image's share of the frame: 1/view² with view in [1, 2]
    assert kept.min() >= 0.25 - 0.03 and kept.max() <= 1.0 + 1e-6
    assert kept.std() > 0.1                 # a new factor per image
    assert (out[:, :, 0].amax((1, 2)) < 1).float().mean() > 0.9     # a border of padding shows
