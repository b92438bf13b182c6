"""Text for language models: tokens (characters or words), next-token windows, and sampling.

Needs only the standard library and torch: ``runtime.export.script`` pastes these functions into the
exported ``train.py``, so the app, ``python -m runtime.export RUN --generate`` and the script split text
into tokens and sample continuations with one copy of the code.
"""
from __future__ import annotations

import re

import torch

UNK = "<unk>"
# A word token: a run of letters/digits/apostrophes, one CJK character (Chinese has no spaces), one
# punctuation mark, or a line break (kept: verse and dialogue are shaped by lines).
WORD_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\W\u3400-\u9fff\uf900-\ufaff]+(?:'[^\W\u3400-\u9fff]+)*|\n|[^\w\s]")


def lm_tokens(text, level):
    """``text`` as a list of tokens: its characters (``level`` "char") or its words and marks ("word",
    lower-cased)."""
    if level == "char":
        return list(text)
    return WORD_TOKEN.findall(text.lower())


def lm_encode(text, vocab, level):
    """Token ids of ``text``; a word outside ``vocab`` is ``<unk>`` (id 0), a character outside it is left out."""
    index = {tok: i for i, tok in enumerate(vocab)}
    unknown = index.get(UNK)
    ids = (index.get(tok, unknown) for tok in lm_tokens(text, level))
    return [i for i in ids if i is not None]


def lm_prompt_ids(text, vocab, level):
    """The ids a continuation starts from: ``text``'s, or a line break's when none of it is in ``vocab``
    (an empty prompt: the model writes from the start of a line)."""
    ids = lm_encode(text, vocab, level)
    return ids or [vocab.index("\n") if "\n" in vocab else 0]


def lm_decode(ids, vocab, level):
    """Token ids back to text: characters joined; words with a space before each, except before a mark or a
    line break, after a line break, and around Chinese characters."""
    tokens = [vocab[int(i)] for i in ids if 0 <= int(i) < len(vocab)]
    if level == "char":
        return "".join(tokens)
    out = []
    for tok in tokens:
        glue = not out or out[-1] == "\n" or tok == "\n" or not (tok[0].isalnum() or tok[0] == "<") \
            or "\u3400" <= tok[0] <= "\ufaff" or "\u3400" <= out[-1][-1] <= "\ufaff"
        out.append(tok if glue else " " + tok)
    return "".join(out)


def lm_windows(ids, seq_len):
    """(inputs, targets): non-overlapping windows of ``seq_len`` token ids, each target the input moved on by
    one token (the next token at every position)."""
    ids = torch.as_tensor(ids, dtype=torch.int64)
    n = (len(ids) - 1) // seq_len
    x = ids[:n * seq_len].reshape(n, seq_len)
    y = ids[1:n * seq_len + 1].reshape(n, seq_len)
    return x, y


@torch.no_grad()
def lm_sample(model, prompt_ids, n_tokens, temperature, seed, context):
    """``n_tokens`` token ids that continue ``prompt_ids``: the model reads the last ``context`` tokens and the
    next one is drawn from softmax(logits / temperature) at the last position (temperature 0: the most likely)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(int(seed))
    ids = list(prompt_ids)
    out = []
    for _ in range(int(n_tokens)):
        window = torch.tensor([ids[-context:]], dtype=torch.int64, device=device)
        logits = model(window)[0, -1].float()
        if temperature <= 0:
            nxt = int(logits.argmax())
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            nxt = int(torch.multinomial(probs, 1, generator=generator))
        ids.append(nxt)
        out.append(nxt)
    model.train(was_training)
    return out


def next_token_loss(logits, target):
    """Cross-entropy over every position: logits (N, L, V), targets (N, L) token ids."""
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
