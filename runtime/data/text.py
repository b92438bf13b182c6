"""A generated sentiment corpus (short review-like sentences from word lists, with
negations and "but") and the tokenizer that turns text into padded token ids."""
from __future__ import annotations

import numpy as np

from . import portable

PAD, UNK = "<pad>", "<unk>"

POSITIVE = ["good", "great", "excellent", "wonderful", "brilliant", "amazing", "lovely",
            "delightful", "enjoyable", "charming", "superb", "fantastic", "beautiful", "fun",
            "moving", "clever", "funny", "touching", "gripping", "perfect"]
NEGATIVE = ["bad", "awful", "terrible", "boring", "dull", "poor", "horrible", "weak",
            "dreadful", "painful", "tedious", "messy", "bland", "silly", "annoying",
            "disappointing", "clumsy", "lifeless", "forgettable", "predictable"]
POS_VERBS = [("loved", "love"), ("enjoyed", "enjoy"), ("liked", "like"), ("adored", "adore"),
             ("admired", "admire")]
NEG_VERBS = [("hated", "hate"), ("disliked", "dislike"), ("loathed", "loathe"),
             ("regretted", "regret"), ("despised", "despise")]
NOUNS = ["movie", "film", "plot", "story", "acting", "cast", "ending", "music", "script",
         "dialogue", "soundtrack", "pacing", "direction", "show", "book", "camera", "scenery",
         "characters", "performance", "premise"]
INTENSIFIERS = ["very", "really", "so", "quite", "truly", "rather", "extremely", "pretty"]
NEGATIONS = ["not", "never", "hardly"]
OPENERS = ["overall", "honestly", "frankly", "well", "in the end", "to be honest", "i think",
           "my friends said"]
CLOSERS = ["this year", "at the cinema", "last night", "on tv", "for a sunday", "to me"]


def vocabulary() -> list[str]:
    words: set[str] = set(POSITIVE) | set(NEGATIVE) | set(NOUNS) | set(INTENSIFIERS) | set(NEGATIONS)
    for past, base in POS_VERBS + NEG_VERBS:
        words |= {past, base}
    for phrase in OPENERS + CLOSERS:
        words |= set(phrase.split())
    words |= {"the", "this", "that", "was", "is", "a", "an", "i", "did", "it", "but", "and",
              "we", "they", "all", "of", "at", "for", "with", "so"}
    return [PAD, UNK] + sorted(words)


def decode(ids, vocab: list[str]) -> str:
    """Token ids back to words, padding left out."""
    return " ".join(vocab[int(i)] if 0 <= int(i) < len(vocab) else UNK for i in ids if int(i) != 0)


# Text to ids: one copy, shared with "try the model" and the exported train.py.
tokenize = portable.tokenize
encode = portable.encode_texts


def _pick(rng: np.random.Generator, items: list):
    return items[int(rng.integers(0, len(items)))]


def _clause(rng: np.random.Generator, positive: bool) -> str:
    """One clause whose sentiment is ``positive``, maybe said through a negation."""
    negate = rng.random() < 0.35
    word_pos = positive != negate
    if rng.random() < 0.6:
        adj = _pick(rng, POSITIVE if word_pos else NEGATIVE)
        inten = (_pick(rng, INTENSIFIERS) + " ") if rng.random() < 0.4 else ""
        neg = (_pick(rng, NEGATIONS) + " ") if negate else ""
        det = _pick(rng, ["the", "this", "that"])
        verb = _pick(rng, ["was", "is"])
        return f"{det} {_pick(rng, NOUNS)} {verb} {neg}{inten}{adj}"
    past, base = (POS_VERBS if word_pos else NEG_VERBS)[rng.integers(0, 5)]
    who = _pick(rng, ["i", "we", "they"])
    obj = f"{_pick(rng, ['the', 'this'])} {_pick(rng, NOUNS)}"
    if negate:
        return f"{who} did not {base} {obj}"
    return f"{who} {past} {obj}"


def sentiment_corpus(n_samples: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Sentences and labels (1 positive, 0 negative), balanced. A sentence is one clause,
    or two joined by "and" (same feeling) or "but" (the second one counts)."""
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_samples) % 2).astype(np.int64)
    texts = []
    for lab in labels:
        positive = bool(lab)
        r = rng.random()
        if r < 0.5:
            body = _clause(rng, positive)
        elif r < 0.75:
            body = f"{_clause(rng, positive)} and {_clause(rng, positive)}"
        else:
            body = f"{_clause(rng, not positive)} but {_clause(rng, positive)}"
        if rng.random() < 0.3:
            body = f"{_pick(rng, OPENERS)} {body}"
        elif rng.random() < 0.2:
            body = f"{body} {_pick(rng, CLOSERS)}"
        texts.append(body)
    return texts, labels
