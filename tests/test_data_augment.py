"""Augmentations: each has its effect, none has any at strength 0, all are deterministic
given the seed and refuse bad configs."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.data import Augmenter, DataError, preview
from runtime.data import augment


def _batch(b=8, c=3, h=16, w=16, seed=0):
    return torch.rand(b, c, h, w, generator=torch.Generator().manual_seed(seed))


def test_flips_really_flip():
    x = _batch()
    assert torch.equal(Augmenter({"hflip": 1.0})(x), torch.flip(x, dims=[-1]))
    assert torch.equal(Augmenter({"vflip": 1.0})(x), torch.flip(x, dims=[-2]))
    out = Augmenter({"hflip": 0.5}, seed=3)(_batch(64))
    src = _batch(64)
    flipped = [torch.equal(o, torch.flip(s, dims=[-1])) for o, s in zip(out, src)]
    kept = [torch.equal(o, s) for o, s in zip(out, src)]
    assert all(f or k for f, k in zip(flipped, kept)) and 10 < sum(flipped) < 54


def test_rotation_by_90_degrees_matches_rot90():
    x = _batch(4, 2, 12, 12)
    assert torch.allclose(augment.rotate(x, 90.0), torch.rot90(x, 1, dims=(2, 3)), atol=1e-5)
    assert torch.allclose(augment.rotate(x, -90.0), torch.rot90(x, -1, dims=(2, 3)), atol=1e-5)
    assert torch.allclose(augment.rotate(x, 0.0), x, atol=1e-6)
    out = Augmenter({"rotation": 30.0})(x)
    assert out.shape == x.shape and not torch.allclose(out, x)


def test_crop_zooms_in_and_translate_shifts():
    x = torch.zeros(16, 1, 20, 20)
    x[:, :, 8:12, 8:12] = 1.0
    zoomed = Augmenter({"crop": 0.8}, seed=1)(x)
    assert float(zoomed.sum()) > float(x.sum())  # a smaller window stretched to full size
    moved = Augmenter({"translate": 0.3}, seed=1)(x)
    assert torch.allclose(moved.sum(dim=(1, 2, 3)), x.sum(dim=(1, 2, 3)), atol=0.5)  # still inside
    centre = lambda t: (t[:, 0].sum(1) * torch.arange(20.0)).sum(1) / t[:, 0].sum(dim=(1, 2))  # noqa: E731
    assert (centre(moved) - centre(x)).abs().max() > 1.0


def test_noise_changes_std_as_expected():
    x = torch.full((64, 1, 32, 32), 0.5)
    out = Augmenter({"noise": 0.1}, seed=0)(x)
    assert abs(float((out - x).std()) - 0.1) < 0.005
    assert abs(float((out - x).mean())) < 0.005


def test_brightness_shifts_mean_and_contrast_scales_spread():
    x = _batch(32, 1, 16, 16)
    out = augment.adjust_brightness(x, 0.2)
    assert torch.allclose(out.mean(dim=(1, 2, 3)), x.mean(dim=(1, 2, 3)) + 0.2, atol=1e-5)
    low = augment.adjust_contrast(x, 0.5)
    assert torch.allclose(low.std(dim=(1, 2, 3)), 0.5 * x.std(dim=(1, 2, 3)), atol=1e-5)
    assert torch.allclose(low.mean(dim=(1, 2, 3)), x.mean(dim=(1, 2, 3)), atol=1e-5)
    jitter = Augmenter({"brightness": 0.3}, seed=0)(x)
    shift = (jitter - x).mean(dim=(1, 2, 3))
    assert shift.abs().max() <= 0.3 + 1e-6 and shift.std() > 0.05


def test_blur_smooths_and_keeps_the_mean():
    x = _batch(4, 3, 24, 24)
    out = augment.gaussian_blur(x, 1.5)
    assert float(out.std()) < 0.6 * float(x.std())
    assert torch.allclose(out.mean(dim=(2, 3)), x.mean(dim=(2, 3)), atol=0.02)
    # separable blur of a single bright pixel is a normalised 2-D Gaussian
    dot = torch.zeros(1, 1, 21, 21)
    dot[0, 0, 10, 10] = 1.0
    g = augment.gaussian_blur(dot, 2.0)[0, 0]
    assert abs(float(g.sum()) - 1.0) < 1e-5 and torch.allclose(g, g.T, atol=1e-6)
    taps = torch.arange(-6, 7, dtype=torch.float32)  # the kernel reaches 3 sigma
    k = torch.exp(-taps**2 / 8)
    k /= k.sum()
    expect = torch.zeros(21, 21)
    expect[4:17, 4:17] = torch.outer(k, k)
    assert torch.allclose(g, expect, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(key=st.sampled_from(sorted(augment.RANGES)), b=st.integers(1, 5), c=st.sampled_from([1, 3]),
       h=st.integers(4, 20), seed=st.integers(0, 100))
def test_strength_zero_is_identity(key, b, c, h, seed):
    x = _batch(b, c, h, h + 1, seed)
    aug = Augmenter({key: 0.0}, seed)
    assert not aug.enabled
    assert torch.equal(aug(x), x)


def test_strength_zero_on_every_transform_is_identity_when_composed():
    x = _batch()
    cfg = {k: 0.0 for k in augment.RANGES}
    assert torch.equal(Augmenter(cfg)(x), x)
    assert torch.allclose(augment.random_affine(x, None), x, atol=1e-5)  # zero strengths: identity resample


def test_deterministic_given_seed_and_different_across_seeds():
    cfg = {"rotation": 20, "crop": 0.3, "translate": 0.1, "hflip": 0.5, "vflip": 0.2, "noise": 0.05,
           "blur": 1.0, "brightness": 0.2, "contrast": 0.2}
    x = _batch()
    a1, a2, b = Augmenter(cfg, seed=5), Augmenter(cfg, seed=5), Augmenter(cfg, seed=6)
    first = a1(x)
    assert torch.equal(first, a2(x)) and not torch.equal(first, b(x))
    assert not torch.equal(a1(x), first)  # the next batch gets fresh draws
    assert first.shape == x.shape and torch.isfinite(first).all()


def test_preview_returns_before_and_after():
    img = _batch(1)[0]
    before, after = preview(img, {"hflip": 1.0}, seed=0)
    assert before.shape == (1, 3, 16, 16) and torch.equal(after, torch.flip(before, dims=[-1]))


def test_bad_configs_and_inputs_are_data_errors():
    for cfg, code in [({"rotate": 10}, "data.augment_key"), ({"rotation": 500}, "data.augment_range"),
                      ({"noise": -1}, "data.augment_range"), ({"noise": "lots"}, "data.augment_range"),
                      ({"padding": "wrap"}, "data.augment_key")]:
        with pytest.raises(DataError) as e:
            Augmenter(cfg)
        assert e.value.code == code and e.value.message("zh")
    with pytest.raises(DataError) as e:
        Augmenter({"hflip": 1.0})(torch.rand(4, 10))
    assert e.value.code == "data.augment_shape" and "(4, 10)" in e.value.message()
    assert Augmenter({"hflip": True}).config["hflip"] == 0.5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_augmenter_runs_on_the_batch_device():
    x = _batch().cuda()
    cfg = {"rotation": 20, "crop": 0.3, "hflip": 0.5, "noise": 0.05, "blur": 1.0, "brightness": 0.2}
    a, b = Augmenter(cfg, seed=1)(x), Augmenter(cfg, seed=1)(x)
    assert a.device == x.device and torch.equal(a, b)


def _shifted(x: torch.Tensor, dy: int, dx: int) -> torch.Tensor:
    """``x`` (C, H, W) moved down by ``dy`` and right by ``dx`` pixels, zeros where it leaves."""
    out = torch.zeros_like(x)
    h, w = x.shape[1:]
    out[:, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = x[:, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def test_pad_crop_shifts_each_image_by_whole_pixels_within_the_padding():
    image = torch.arange(1, 3 * 8 * 8 + 1, dtype=torch.float32).view(3, 8, 8)
    out = Augmenter({"pad_crop": 2}, seed=1)(image.expand(200, 3, 8, 8).clone())
    shifts = {(dy, dx): _shifted(image, dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}
    seen = set()
    for one in out:
        match = [s for s, shifted in shifts.items() if torch.equal(one, shifted)]
        assert len(match) == 1
        seen.add(match[0])
    assert seen == set(shifts)            # every offset in [-2, 2]² occurs among 200 draws


def test_cifar_standard_pair_pad_crop_and_flip_runs_on_cifar_images():
    from runtime.data import builtin
    x = builtin.load("cifar10").inputs["x"][:16]
    out = Augmenter({"pad_crop": 4, "hflip": 0.5}, seed=0)(x.clone())
    assert out.shape == x.shape and not torch.equal(out, x) and float(out.min()) >= 0.0 and float(out.max()) <= 1.0
