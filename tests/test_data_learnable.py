"""The sequence sets are there to be learnt: a small LSTM, as in the builder's sequence
templates (Input (20, 1) -> LSTM(32, last) -> Linear(2)), must beat chance by far."""
import time

import pytest
import torch

from runtime.data import bind, load, split


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny recurrent models run fastest on one thread, and steadily so on a busy machine
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class _SmallLSTM(torch.nn.Module):
    def __init__(self, hidden: int = 32, vocab: int | None = None):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, 32, padding_idx=0) if vocab else None
        self.lstm = torch.nn.LSTM(32 if vocab else 1, hidden, batch_first=True)
        self.head = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        if self.embed is not None:
            x = self.embed(x)
        _, (h, _) = self.lstm(x)
        return self.head(h[-1])


def _train(model, splits, name, lr, max_epochs, target_acc=0.97, batch=64):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt, yt = splits.train.inputs[name], splits.train.target
    xv, yv = splits.val.inputs[name], splits.val.target
    g = torch.Generator().manual_seed(0)
    acc = 0.0
    for epoch in range(max_epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=g)
        for i in range(0, len(xt), batch):
            idx = perm[i:i + batch]
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            acc = float((model(xv).argmax(1) == yv).float().mean())
        if acc >= target_acc:
            break
    return acc, epoch + 1


def test_parity_is_learnt_by_a_small_lstm():
    ds = load("parity", seed=0)
    s = bind(split(ds, 0.2, seed=0), [{"name": "x", "shape": [20, 1], "dtype": "float32"}])
    chance = max(float(s.val.target.float().mean()), 1 - float(s.val.target.float().mean()))
    assert chance < 0.55
    torch.manual_seed(0)
    model = _SmallLSTM()
    t0 = time.perf_counter()
    acc, epochs = _train(model, s, "x", lr=1e-2, max_epochs=40)
    elapsed = time.perf_counter() - t0
    print(f"parity: val acc {acc:.3f} after {epochs} epochs, {elapsed:.1f}s")
    assert acc >= 0.9
    # it learnt parity itself: full-length random bit strings, unlike any training sample's layout
    bits = torch.randint(0, 2, (1000, 20, 1), generator=torch.Generator().manual_seed(1)).float()
    with torch.no_grad():
        full = float((model(bits).argmax(1) == bits.sum(dim=(1, 2)).long() % 2).float().mean())
    assert full >= 0.9


def test_sentiment_is_learnt_by_a_small_lstm():
    s = bind(split(load("sentiment", n_samples=3000, seed=0), 0.2, seed=0),
             [{"name": "tokens", "shape": [16], "dtype": "int64", "max_token": 256}])
    torch.manual_seed(0)
    acc, epochs = _train(_SmallLSTM(64, vocab=256), s, "tokens", lr=3e-3, max_epochs=12, target_acc=0.95)
    print(f"sentiment: val acc {acc:.3f} after {epochs} epochs")
    assert acc >= 0.9
