"""The drawn-shapes image generator works in chunks (bounded memory at 20,000 x 64 x 64): the images are
exactly those of one chunk, noise included."""
import numpy as np
import pytest

from runtime.data import drawn_shapes


@pytest.mark.parametrize("n,size,noise,seed", [(300, 28, 0.0, 0), (257, 17, 0.2, 3), (40, 64, 0.5, 9)])
def test_chunked_generation_is_identical(monkeypatch, n, size, noise, seed):
    monkeypatch.setattr(drawn_shapes, "CHUNK_PIXELS", 10**9)
    whole = drawn_shapes.generate(n, size, noise, seed)
    monkeypatch.setattr(drawn_shapes, "CHUNK_PIXELS", 5000)        # many small chunks
    parts = drawn_shapes.generate(n, size, noise, seed)
    assert np.array_equal(whole[0], parts[0]) and np.array_equal(whole[1], parts[1])
    assert parts[0].dtype == np.float32 and parts[0].shape == (n, 1, size, size)
