"""Manga-MMTL's text side: tokens, the training-split vocabulary, fixed-length ids, encoders."""
from __future__ import annotations

import torch

from training.models_embedding import HEADS, MangaMMTLNet, TextEncoder, resnet_trunk
from training.text import Tokenizer, build_vocabulary, tokens


def test_tokens_are_words_and_character_ngrams():
    assert tokens("ab c", ngram=2) == ["w:ab", "w:c", "c:a", "c:b", "c:c", "c:ab", "c:bc"]
    assert tokens("", ngram=2) == []
    assert tokens("猫だ", ngram=2) == ["w:猫だ", "c:猫", "c:だ", "c:猫だ"]


def test_vocabulary_by_count_then_token_and_ids_padded():
    vocabulary = build_vocabulary(["a b", "a", "b c"], ngram=1, min_count=2)
    # w:a, w:b, c:a, c:b twice each; c and w:c once: dropped
    assert vocabulary == ["c:a", "c:b", "w:a", "w:b"]
    tokenizer = Tokenizer(vocabulary, ngram=1, max_tokens=5)
    assert tokenizer.size == 6
    assert tokenizer.encode("a z") == [4, 1, 2, 1, 0]  # w:a, w:z unknown, c:a, c:z unknown, pad
    assert tokenizer.encode("") == [0] * 5


def test_encoders_and_the_five_models():
    ids = torch.tensor([[2, 3, 0, 0], [0, 0, 0, 0]])
    for kind in ("ngram", "transformer"):
        out = TextEncoder(10, 16, kind, max_tokens=4)(ids)
        assert out.shape == (2, 16) and torch.isfinite(out).all()
    assert TextEncoder(10, 16, "ngram")(ids)[1].abs().sum() == 0  # an empty frame: zeros
    image, dim = resnet_trunk(10, 8)
    assert dim == 64
    widths = {}
    for variant, heads in HEADS.items():
        net = MangaMMTLNet(variant, 7, 3, image=image, image_dim=dim, text=TextEncoder(10, 16),
                           hidden=32)
        logits, features = net(torch.rand(2, 3, 48, 48), ids)
        assert set(logits) == set(heads)
        assert features.shape == (2, 32 * (2 if variant == "M5" else 1))
        widths[variant] = sum(p.numel() for p in net.parameters())
    # M2/M3 carry no image network, M1 no text network
    assert widths["M2"] < widths["M1"] and widths["M1"] < widths["M4"]


def test_illust2vec_network_both_heads_and_the_feature_layer():
    from training.embeddings.hashing import pack
    from training.models_embedding import Illust2VecNet

    x = torch.rand(2, 3, 64, 64)
    for head in ("nin", "fc"):
        net = Illust2VecNet(12, 3, head=head, width=1 / 16, input_hw=(64, 64)).eval()
        tags, rating = net(x)
        assert tags.shape == (2, 12) and rating.shape == (2, 3)
        features = net.features(x)
        assert features.shape == (2, 4096) and ((features > 0) & (features < 1)).all()
        assert pack(features.detach().numpy()).shape == (2, 512)
    convs = [m for m in Illust2VecNet(5, 3, width=1 / 16).trunk if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 8  # VGG-11 ("model A"): 8 conv layers, the 3 FC layers replaced


class _Release:
    """manifest() of kept samples: `faces` per title, the first `train` titles in the train split."""

    def __init__(self, titles: int, train: int, faces: int = 3) -> None:
        self.titles, self.train, self.faces = titles, train, faces

    def manifest(self):
        import json

        import pandas as pd

        rows = [(f"m109-T{t}-face-{f}", "train" if t < self.train else "test",
                 json.dumps({"title": f"T{t}"})) for t in range(self.titles)
                for f in range(self.faces)]
        return pd.DataFrame(rows, columns=["key", "split", "source_ids"])


def held_titles(share: float, titles: int, train: int):
    from training.experiments.manga_mmtl import MangaMMTL

    experiment = MangaMMTL({"data": {"val_titles": share}}, _Release(titles, train))
    held, kept = experiment.val_keys(), experiment.train_keys()
    if held is None:
        assert kept is None  # nothing held out: the whole train split
        return set()
    assert not held & kept and len(held | kept) == 3 * train
    return {key.split("-")[1] for key in held}


def test_validation_holds_out_whole_training_titles_at_least_one_never_all():
    ten = held_titles(0.1, titles=12, train=10)
    assert len(ten) == 1 and ten < {f"T{t}" for t in range(10)}
    assert held_titles(0.1, titles=12, train=10) == ten  # by name, not by chance
    assert ten < held_titles(0.3, titles=12, train=10) and len(held_titles(0.3, 12, 10)) == 3
    assert held_titles(0.1, titles=3, train=1) == set()   # a single training title stays
    assert len(held_titles(0.9, titles=3, train=2)) == 1
    assert held_titles(0.0, titles=12, train=10) == set()
