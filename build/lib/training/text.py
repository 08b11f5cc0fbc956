"""Text for Manga-MMTL: a tokenizer built from the training split's frame texts (words and
character n-grams, so Japanese without spaces works), and an optional local Hugging Face
checkpoint directory (loaded with local_files_only=True: nothing is ever downloaded)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

PAD, UNKNOWN = 0, 1


def tokens(text: str, ngram: int = 2) -> list[str]:
    """Whitespace words plus the character n-grams (1..ngram) of the text without spaces."""
    words = text.split()
    joined = "".join(words)
    grams = [joined[i:i + n] for n in range(1, ngram + 1) for i in range(len(joined) - n + 1)]
    return [f"w:{w}" for w in words] + [f"c:{g}" for g in grams]


def build_vocabulary(texts: Iterable[str], *, ngram: int = 2, min_count: int = 2,
                     max_size: int = 20000) -> list[str]:
    """The most frequent tokens of the training texts (ties by token, so it is reproducible);
    index = position + 2 (0 = padding, 1 = unknown)."""
    counts = Counter(t for text in texts for t in tokens(text, ngram))
    kept = sorted((t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t))
    return kept[:max_size]


class Tokenizer:
    def __init__(self, vocabulary: list[str], ngram: int = 2, max_tokens: int = 64) -> None:
        self.index = {token: i + 2 for i, token in enumerate(vocabulary)}
        self.ngram, self.max_tokens = ngram, max_tokens

    @property
    def size(self) -> int:
        return len(self.index) + 2

    def encode(self, text: str) -> list[int]:
        """Fixed length: token ids, cut at max_tokens, padded with 0."""
        ids = [self.index.get(t, UNKNOWN) for t in tokens(text, self.ngram)][:self.max_tokens]
        return ids + [PAD] * (self.max_tokens - len(ids))


def local_hf_encoder(directory: str):
    """(tokenizer, model) from a local Hugging Face checkpoint dir; a clear error otherwise."""
    from core.errors import UsageError

    if not Path(directory).expanduser().is_dir():
        raise UsageError(f"model.text_checkpoint {directory!r}: no such directory (checkpoints "
                         f"are never downloaded; name a local Hugging Face model folder)")
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError:
        raise UsageError("model.text_checkpoint needs the transformers package "
                         "(pip install transformers)") from None
    path = str(Path(directory).expanduser())
    return (AutoTokenizer.from_pretrained(path, local_files_only=True),
            AutoModel.from_pretrained(path, local_files_only=True))


class HFTextEncoder:
    """A local Hugging Face encoder as the text network: [CLS] output, `dim` = its hidden size."""

    def __new__(cls, directory: str):
        from torch import nn

        tokenizer, model = local_hf_encoder(directory)

        class _Encoder(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.model, self.dim = model, model.config.hidden_size

            def forward(self, ids):
                return self.model(input_ids=ids, attention_mask=(ids != tokenizer.pad_token_id)
                                  .long()).last_hidden_state[:, 0]

        encoder = _Encoder()
        encoder.tokenizer = tokenizer
        return encoder


def hf_encode(tokenizer, text: str, max_tokens: int) -> list[int]:
    """Fixed-length ids from a Hugging Face tokenizer (padded with its pad id)."""
    return tokenizer(text, max_length=max_tokens, truncation=True,
                     padding="max_length")["input_ids"]
