"""A rendered episode as an animated WebP (Pillow): what the Train page shows every few seconds and
what Try the model plays. Frames come from ``render_mode="rgb_array"`` (no window, no display)."""
from __future__ import annotations

import io

from . import envs

MAX_FRAMES = 100            # an episode longer than this is shown by every k-th frame
HEIGHT, WIDTH = 150, 225    # classic-control frames are 400x600: the same 2:3
FRAME_MS = 40               # per shown frame: a 100-frame animation lasts 4 s


def greedy_episode(model, env_name: str, seed: int, obs_shape: tuple) -> tuple[list, float, int]:
    """The rendered frames (those shown), return and length of one greedy episode of ``model``.

    The episode is played twice from the same seed, first without drawing to learn its length, then drawing
    only the frames the animation shows: drawing is most of the cost, and a 500-step episode shows 100."""
    from .loop import play_greedy
    was = model.training
    model.eval()
    try:
        env = envs.make(env_name, seed)
        try:
            total, length = play_greedy(model, env, obs_shape)
        finally:
            env.close()
        env = envs.make(env_name, seed, render=True)
        frames: list = []
        try:
            play_greedy(model, env, obs_shape, frames, keep=set(shown_indices(length)))
        finally:
            env.close()
    finally:
        model.train(was)
    return frames, total, length


def shown_indices(count: int) -> list[int]:
    """Which of ``count`` frames an animation shows: at most ``MAX_FRAMES``, evenly spaced, the last one always."""
    if count <= MAX_FRAMES:
        return list(range(count))
    step = (count - 1) / (MAX_FRAMES - 1)
    return [round(i * step) for i in range(MAX_FRAMES)]


def shown(frames: list) -> list:
    """At most ``MAX_FRAMES`` of ``frames``, evenly spaced, the last one always among them."""
    return [frames[i] for i in shown_indices(len(frames))]


def webp(frames: list) -> bytes:
    """The frames (HxWx3 uint8 arrays), at most ``MAX_FRAMES`` of them at ``HEIGHT``x``WIDTH``, as an animated WebP."""
    from PIL import Image
    images = [Image.fromarray(f).resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR) for f in shown(frames)]
    out = io.BytesIO()
    images[0].save(out, format="WEBP", save_all=True, append_images=images[1:], duration=FRAME_MS, loop=0,
                   quality=70, method=0)
    return out.getvalue()
