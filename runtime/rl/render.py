"""A rendered episode as an animated WebP (Pillow): what the Train page shows every few seconds and
what Try the model plays. Frames come from ``render_mode="rgb_array"`` (no window, no display)."""
from __future__ import annotations

import io

from . import envs

MAX_FRAMES = 100            # an episode longer than this is shown by every k-th frame
HEIGHT, WIDTH = 150, 225    # classic-control frames are 400x600: the same 2:3
FRAME_MS = 40               # per shown frame: a 100-frame animation lasts 4 s


def greedy_episode(model, env_name: str, seed: int, obs_shape: tuple) -> tuple[list, float, int]:
    """The rendered frames, return and length of one greedy episode of ``model``."""
    from .loop import play_greedy
    env = envs.make(env_name, seed, render=True)
    frames: list = []
    was = model.training
    model.eval()
    try:
        total, length = play_greedy(model, env, obs_shape, frames)
    finally:
        model.train(was)
        env.close()
    return frames, total, length


def shown(frames: list) -> list:
    """At most ``MAX_FRAMES`` of ``frames``, evenly spaced, the last one always among them."""
    if len(frames) <= MAX_FRAMES:
        return list(frames)
    step = (len(frames) - 1) / (MAX_FRAMES - 1)
    return [frames[round(i * step)] for i in range(MAX_FRAMES)]


def webp(frames: list) -> bytes:
    """The frames (HxWx3 uint8 arrays), at most ``MAX_FRAMES`` of them at ``HEIGHT``x``WIDTH``, as an animated WebP."""
    from PIL import Image
    images = [Image.fromarray(f).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR) for f in shown(frames)]
    out = io.BytesIO()
    images[0].save(out, format="WEBP", save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0,
                   quality=70, method=0)
    return out.getvalue()
