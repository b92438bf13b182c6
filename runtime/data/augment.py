"""Image augmentation in plain torch (no torchvision): batch transforms on (B, C, H, W)
tensors, vectorised over the batch, on whatever device the batch lives on.

Each transform has a strength; 0 leaves the batch unchanged. ``Augmenter`` applies the
enabled ones to training batches with its own ``torch.Generator`` (deterministic given
``seed``); ``preview`` shows one batch before and after.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from builder.params import bilingual

from ..settings import CLI, DATA, Setting
from .audio_augment import AUDIO_AUGMENTATIONS, augment_waves
from .errors import DataError

# Every augmentation, declared once: its strength's range, step and words (docs/config.md, the Data page).
AUGMENTATIONS: tuple[Setting, ...] = (
    Setting("rotation", "float", 0.0, bilingual("Rotation (± degrees)", "旋转（± 度）"),       # angle uniform in [-s, s]
            bilingual("Turn each image by a random angle up to this many degrees either way.", "把每张图像随机旋转，角度最多为正负这么多度。"),
            lo=0.0, hi=180.0, step=5.0, unit="degrees", group="augment", surfaces=(DATA, CLI)),
    Setting("hflip", "float", 0.0, bilingual("Flip left-right (probability)", "左右翻转（概率）"),
            bilingual("Chance that an image is mirrored left to right. Fine for photos; wrong for digits.",
              "图像左右镜像的概率。适合照片，但不适合数字。"), lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("vflip", "float", 0.0, bilingual("Flip upside down (probability)", "上下翻转（概率）"),
            bilingual("Chance that an image is turned upside down.", "图像上下翻转的概率。"),
            lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("crop", "float", 0.0, bilingual("Random crop (area cut away)", "随机裁剪（裁掉的面积）"),     # keep [1 - s, 1] of the area
            bilingual("Zoom into a random part of the image that keeps at least 1 − this of its area.",
              "随机放大图像的一部分，至少保留 1 − 该值 的面积。"), lo=0.0, hi=0.9, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("pad_crop", "float", 0.0, bilingual("Pad and crop (px)", "填充后裁剪（像素）"),   # CIFAR's standard: 4, with hflip
            bilingual("Pad each side by this many pixels, then cut a random window of the original size: "
                      "a whole-pixel shift, the standard augmentation for CIFAR-10 (4 px, with left-right flips).",
                      "每边填充这么多像素，再随机裁出原尺寸的窗口：按整像素平移，"
                      "是 CIFAR-10 的标准增强（4 像素，配合左右翻转）。"),
            lo=0.0, hi=16.0, step=1.0, unit="px", group="augment", surfaces=(DATA, CLI)),
    Setting("translate", "float", 0.0, bilingual("Shift (share of the side)", "平移（边长的比例）"),
            bilingual("Move the image by up to this share of its width and height.", "把图像平移，最多为宽和高的这一比例。"),
            lo=0.0, hi=0.5, step=0.02, group="augment", surfaces=(DATA, CLI)),
    Setting("noise", "float", 0.0, bilingual("Noise (std)", "噪声（标准差）"),
            bilingual("Add random noise with this standard deviation to every pixel.", "给每个像素加上该标准差的随机噪声。"),
            lo=0.0, hi=1.0, step=0.02, group="augment", surfaces=(DATA, CLI)),
    Setting("blur", "float", 0.0, bilingual("Blur (max sigma, px)", "模糊（最大 σ，像素）"),     # sigma uniform in [0, s]
            bilingual("Blur with a random sigma up to this many pixels.", "用随机的 σ（不超过这么多像素）做高斯模糊。"),
            lo=0.0, hi=5.0, step=0.1, unit="px", group="augment", surfaces=(DATA, CLI)),
    Setting("brightness", "float", 0.0, bilingual("Brightness (±)", "亮度（±）"),                     # add uniform [-s, s]
            bilingual("Make the image lighter or darker by up to this much.", "把图像调亮或调暗，最多这么多。"),
            lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("contrast", "float", 0.0, bilingual("Contrast (±)", "对比度（±）"),       # scale by uniform [1 - s, 1 + s]
            bilingual("Strengthen or weaken the contrast by up to this factor.", "增强或减弱对比度，最多这个比例。"),
            lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("zoom_out", "float", 0.0, bilingual("Zoom out (up to ×1/(1+s))", "缩小（最多 ×1/(1+s)）"),
            bilingual("Shrink the image by a random factor down to 1/(1 + this) and place it at a random spot, the rest "
                      "filled as the padding says: the network learns smaller objects (the opposite of a crop).",
                      "把图像随机缩小，最小到原来的 1/(1 + 该值)，放在随机位置，其余部分按填充方式补齐："
                      "让网络学会识别更小的物体（与裁剪相反）。"),
            lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
    Setting("hue", "float", 0.0, bilingual("Hue (± share of the colour wheel)", "色相（± 色轮的比例）"),
            bilingual("Turn every colour around the colour wheel by a random share of a full turn up to this, greys "
                      "stay grey (red becomes orange or purple). RGB images only.",
                      "把每种颜色沿色轮随机旋转，最多为整圈的这一比例，灰色保持不变（红色会变成橙色或紫色）。"
                      "只用于 RGB 彩色图像。"),
            lo=0.0, hi=0.5, step=0.02, group="augment", surfaces=(DATA, CLI)),
    Setting("saturation", "float", 0.0, bilingual("Saturation (±)", "饱和度（±）"),
            bilingual("Make colours more vivid or more grey by up to this factor (1: can turn an image fully grey). "
                      "RGB images only.",
                      "让颜色更鲜艳或更灰，最多这个比例（为 1 时图像可能完全变灰）。只用于 RGB 彩色图像。"),
            lo=0.0, hi=1.0, step=0.05, group="augment", surfaces=(DATA, CLI)),
) + AUDIO_AUGMENTATIONS          # waveforms (B, T): time_shift, snr_noise, time_mask, freq_mask
RGB_ONLY = ("hue", "saturation")          # they move colours: meaningless on one channel
LUMA = (0.299, 0.587, 0.114)              # ITU-R 601 weights of R, G, B in grey (as torchvision's rgb_to_grayscale)
RANGES: dict[str, tuple[float, float]] = {s.name: (s.lo, s.hi) for s in AUGMENTATIONS}
PADDING = ("zeros", "border", "reflection")


def check_config(config: dict | None) -> dict:
    """The config with every strength as a float in range (missing, None, False -> 0;
    True -> 0.5 for flips); ``padding`` one of ``PADDING``. Anything else: DataError."""
    out: dict = {k: 0.0 for k in RANGES}
    out["padding"] = "zeros"
    for key, value in (config or {}).items():
        if key == "padding":
            if value not in PADDING:
                raise DataError("data.augment_key", name=f"padding={value}"[:60], choices=list(PADDING))
            out[key] = value
            continue
        if key not in RANGES:
            raise DataError("data.augment_key", name=str(key)[:60], choices=sorted(RANGES) + ["padding"])
        if value is None or value is False:
            value = 0.0
        elif value is True:
            value = 0.5 if key in ("hflip", "vflip") else None
        lo, hi = RANGES[key]
        if not isinstance(value, (int, float)) or not math.isfinite(value) or not lo <= value <= hi:
            raise DataError("data.augment_range", name=key, value=str(value)[:20], low=lo, high=hi)
        out[key] = float(value)
    return out


def check_channels(config: dict | None, channels: int) -> None:
    """Hue and saturation need RGB images: refused, with the reason, for other channel counts."""
    asked = [k for k in RGB_ONLY if (config or {}).get(k)]
    if asked and channels != 3:
        raise DataError("data.augment_rgb", name=asked[0], channels=channels)


def _check_images(x: torch.Tensor) -> None:
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or not x.is_floating_point():
        shape = list(x.shape) if isinstance(x, torch.Tensor) else []
        raise DataError("data.augment_shape", data_shape=shape)


def _rand(g: torch.Generator | None, n: int, x: torch.Tensor, lo: float = 0.0, hi: float = 1.0) -> torch.Tensor:
    return torch.rand(n, generator=g, device=x.device, dtype=x.dtype) * (hi - lo) + lo


# ----------------------------------------------------------------------------- geometric

def affine(x: torch.Tensor, theta: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Resample ``x`` with per-sample affine matrices ``theta`` (B, 2, 3) that map output
    coordinates to input coordinates in [-1, 1] (as ``F.affine_grid``)."""
    grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def rotation_theta(degrees: torch.Tensor, zoom: torch.Tensor | None = None,
                   shift: torch.Tensor | None = None) -> torch.Tensor:
    """(B, 2, 3) matrices: turn the content by ``degrees`` counter-clockwise, view a
    ``zoom`` fraction of the side (1 = all) and move the view by ``shift`` (B, 2)."""
    rad = degrees * (math.pi / 180.0)
    cos, sin = torch.cos(rad), torch.sin(rad)
    a = torch.ones_like(rad) if zoom is None else zoom
    s = torch.zeros(rad.shape[0], 2, dtype=rad.dtype, device=rad.device) if shift is None else shift
    row0 = torch.stack([a * cos, -a * sin, s[:, 0]], dim=1)
    row1 = torch.stack([a * sin, a * cos, s[:, 1]], dim=1)
    return torch.stack([row0, row1], dim=1)


def rotate(x: torch.Tensor, degrees, padding: str = "zeros") -> torch.Tensor:
    """Turn each image counter-clockwise by ``degrees`` (a number or a (B,) tensor)."""
    _check_images(x)
    deg = torch.as_tensor(degrees, dtype=x.dtype, device=x.device).expand(x.shape[0])
    return affine(x, rotation_theta(deg), padding)


def random_affine(x: torch.Tensor, g: torch.Generator | None, rotation: float = 0.0, crop: float = 0.0,
                  translate: float = 0.0, padding: str = "zeros") -> torch.Tensor:
    """Random rotation, resized crop and translation, composed into one resampling."""
    b = x.shape[0]
    deg = _rand(g, b, x, -rotation, rotation)
    area = _rand(g, b, x, 1.0 - crop, 1.0)
    zoom = area.sqrt()
    room = (1.0 - zoom).unsqueeze(1)                      # where the crop window may sit
    centre = (_rand(g, 2 * b, x, -1.0, 1.0).view(b, 2)) * room
    shift = _rand(g, 2 * b, x, -2.0 * translate, 2.0 * translate).view(b, 2)
    return affine(x, rotation_theta(deg, zoom, centre + shift), padding)


def random_pad_crop(x: torch.Tensor, pad: int, g: torch.Generator | None, padding: str = "zeros") -> torch.Tensor:
    """Pad every side by ``pad`` pixels (zeros, the border's pixels, or a reflection), then take
    for each image a window of the original size at a random whole-pixel offset."""
    if pad <= 0:
        return x
    b, _, h, w = x.shape
    mode = {"zeros": "constant", "border": "replicate", "reflection": "reflect"}[padding]
    if mode == "reflect":
        pad = min(pad, h - 1, w - 1)      # a reflection cannot reach past the opposite edge
    padded = F.pad(x, (pad, pad, pad, pad), mode=mode)
    offsets = torch.randint(0, 2 * pad + 1, (2, b), generator=g, device=x.device)
    rows = (offsets[0, :, None] + torch.arange(h, device=x.device))[:, None, :, None]   # (B, 1, H, 1)
    cols = (offsets[1, :, None] + torch.arange(w, device=x.device))[:, None, None, :]   # (B, 1, 1, W)
    batch = torch.arange(b, device=x.device)[:, None, None, None]
    channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
    return padded[batch, channel, rows, cols]


def zoom_out(x: torch.Tensor, view: torch.Tensor, centre: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Shrink each image to 1/``view`` of its side (``view`` (B,) >= 1), its centre moved by ``centre``
    (B, 2; x then y, in [-1, 1] units of the output); the rest filled as ``padding`` says."""
    zero = torch.zeros_like(view)
    return affine(x, rotation_theta(zero, view, -centre * view.unsqueeze(1)), padding)


def random_zoom_out(x: torch.Tensor, g: torch.Generator | None, strength: float, padding: str = "zeros") -> torch.Tensor:
    """Shrink by a random factor down to 1/(1 + strength), placed anywhere the whole image still fits."""
    b = x.shape[0]
    view = _rand(g, b, x, 1.0, 1.0 + strength)
    room = (1.0 - 1.0 / view).unsqueeze(1)            # how far the shrunk image's centre may move
    centre = _rand(g, 2 * b, x, -1.0, 1.0).view(b, 2) * room
    return zoom_out(x, view, centre, padding)


def random_flip(x: torch.Tensor, p: float, g: torch.Generator | None, dim: int = -1) -> torch.Tensor:
    """Flip each image along ``dim`` (-1 left-right, -2 up-down) with probability ``p``."""
    if p <= 0:
        return x
    mask = _rand(g, x.shape[0], x) < p
    return torch.where(mask.view(-1, 1, 1, 1), x.flip(dim), x)


# ----------------------------------------------------------------------------- pixel values

def gaussian_blur(x: torch.Tensor, sigma, max_sigma: float | None = None) -> torch.Tensor:
    """Separable Gaussian blur with per-sample ``sigma`` (number or (B,) tensor), pixels;
    the kernel reaches ceil(3 * max sigma) pixels each way, edges replicated. sigma 0
    leaves an image as it is. ``max_sigma``: a bound on ``sigma`` known on the host, so the
    kernel's size is not read back from the device (a wait for the GPU on every batch)."""
    _check_images(x)
    b, c, h, w = x.shape
    sig = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(b)
    smax = max_sigma if max_sigma is not None else (float(sig.max()) if b else 0.0)
    if smax <= 0:
        return x
    radius = max(1, min(int(math.ceil(3 * smax)), max(h, w) - 1))
    taps = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    s = sig.clamp_min(1e-3).unsqueeze(1)
    k = torch.exp(-0.5 * (taps.unsqueeze(0) / s) ** 2)
    k = (k / k.sum(1, keepdim=True)).repeat_interleave(c, dim=0)   # (B*C, K)
    y = x.reshape(1, b * c, h, w)
    y = F.conv2d(F.pad(y, (radius, radius, 0, 0), mode="replicate"), k.view(b * c, 1, 1, -1), groups=b * c)
    y = F.conv2d(F.pad(y, (0, 0, radius, radius), mode="replicate"), k.view(b * c, 1, -1, 1), groups=b * c)
    return y.view(b, c, h, w)


def adjust_brightness(x: torch.Tensor, delta) -> torch.Tensor:
    """Add ``delta`` (number or (B,) tensor) to every pixel."""
    d = torch.as_tensor(delta, dtype=x.dtype, device=x.device).expand(x.shape[0])
    return x + d.view(-1, 1, 1, 1)


def adjust_contrast(x: torch.Tensor, factor) -> torch.Tensor:
    """Scale each image's deviations from its own mean by ``factor``."""
    f = torch.as_tensor(factor, dtype=x.dtype, device=x.device).expand(x.shape[0]).view(-1, 1, 1, 1)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * f + mean


def rotate_hue(x: torch.Tensor, turns) -> torch.Tensor:
    """Turn each RGB image's colours around the grey axis R = G = B by ``turns`` (a number or (B,)
    tensor; 1/3 sends red to green and green to blue). Greys and each pixel's mean stay as they are."""
    t = torch.as_tensor(turns, dtype=x.dtype, device=x.device).expand(x.shape[0]) * (2 * math.pi)
    cos, sin = torch.cos(t), torch.sin(t)
    third, root = 1.0 / 3.0, math.sqrt(1.0 / 3.0)
    a = cos + (1 - cos) * third                 # Rodrigues' rotation about (1, 1, 1)/√3
    b = (1 - cos) * third - root * sin
    c = (1 - cos) * third + root * sin
    m = torch.stack([torch.stack([a, b, c], 1), torch.stack([c, a, b], 1), torch.stack([b, c, a], 1)], 1)   # (B, 3, 3)
    return torch.einsum("bij,bjhw->bihw", m, x)


def adjust_saturation(x: torch.Tensor, factor) -> torch.Tensor:
    """Blend each RGB image with its grey version: ``factor`` 0 is grey, 1 unchanged, 2 twice as vivid."""
    f = torch.as_tensor(factor, dtype=x.dtype, device=x.device).expand(x.shape[0]).view(-1, 1, 1, 1)
    grey = torch.einsum("c,bchw->bhw", torch.tensor(LUMA, dtype=x.dtype, device=x.device), x).unsqueeze(1)
    return (x - grey) * f + grey


def gaussian_noise(x: torch.Tensor, std: float, g: torch.Generator | None) -> torch.Tensor:
    if std <= 0:
        return x
    return x + std * torch.randn(x.shape, generator=g, device=x.device, dtype=x.dtype)


# ----------------------------------------------------------------------------- the augmenter

class Augmenter:
    """Applies the enabled augmentations of ``config`` (see ``RANGES``) to training
    batches: pad-and-crop, one affine resampling (rotation, crop, translation), zoom-out, flips, blur,
    brightness/contrast, hue/saturation (RGB), then noise. Deterministic given ``seed`` on a given device."""

    def __init__(self, config: dict | None = None, seed: int = 0):
        self.config = check_config(config)
        self.seed = int(seed)
        self._generators: dict[str, torch.Generator] = {}

    @property
    def enabled(self) -> bool:
        return any(self.config[k] > 0 for k in RANGES)

    def generator(self, device: torch.device) -> torch.Generator:
        key = str(device)
        if key not in self._generators:
            self._generators[key] = torch.Generator(device=device).manual_seed(self.seed)
        return self._generators[key]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        images_on = any(self.config[s.name] > 0 for s in AUGMENTATIONS if s not in AUDIO_AUGMENTATIONS)
        if isinstance(x, torch.Tensor) and x.dim() == 2 and x.is_floating_point() and not images_on:   # waveforms
            return augment_waves(x, self.config, self.generator(x.device))
        _check_images(x)
        cfg, g, b = self.config, self.generator(x.device), x.shape[0]
        if cfg["pad_crop"]:
            x = random_pad_crop(x, int(round(cfg["pad_crop"])), g, cfg["padding"])
        if cfg["rotation"] or cfg["crop"] or cfg["translate"]:
            x = random_affine(x, g, cfg["rotation"], cfg["crop"], cfg["translate"], cfg["padding"])
        if cfg["zoom_out"]:
            x = random_zoom_out(x, g, cfg["zoom_out"], cfg["padding"])
        x = random_flip(x, cfg["hflip"], g, -1)
        x = random_flip(x, cfg["vflip"], g, -2)
        if cfg["blur"]:
            x = gaussian_blur(x, _rand(g, b, x, 0.0, cfg["blur"]), max_sigma=cfg["blur"])
        if cfg["brightness"]:
            x = adjust_brightness(x, _rand(g, b, x, -cfg["brightness"], cfg["brightness"]))
        if cfg["contrast"]:
            x = adjust_contrast(x, _rand(g, b, x, 1.0 - cfg["contrast"], 1.0 + cfg["contrast"]))
        check_channels(cfg, x.shape[1])
        if cfg["hue"]:
            x = rotate_hue(x, _rand(g, b, x, -cfg["hue"], cfg["hue"]))
        if cfg["saturation"]:
            x = adjust_saturation(x, _rand(g, b, x, 1.0 - cfg["saturation"], 1.0 + cfg["saturation"]))
        return gaussian_noise(x, cfg["noise"], g)


def preview(images: torch.Tensor, config: dict | None, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """(before, after) for a before/after display; a single (C, H, W) image is fine."""
    x = images.unsqueeze(0) if isinstance(images, torch.Tensor) and images.dim() == 3 else images
    _check_images(x)
    return x, Augmenter(config, seed)(x.clone())
