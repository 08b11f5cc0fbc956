"""The embedding networks: Illustration2Vec's VGG-11 + NIN (or VGG-11 with FC) with its 4,096-unit
sigmoid feature layer, and Manga-MMTL's image (ResNet) + text encoders with M1..M5 heads."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck, ResNet

from training.models import load_local_weights

VGG11 = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")  # "model A"


def vgg11_convs(width: float = 1.0, in_channels: int = 3, batch_norm: bool = False
                ) -> tuple[nn.Sequential, int]:
    """VGG-11's eight 3x3 conv layers and five max-pools; `width` scales every layer (1 = seed).
    batch_norm (not the seed's) makes short from-scratch CPU runs learn."""
    layers, channels = [], in_channels
    for item in VGG11:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
            continue
        out = max(4, int(item * width))
        layers += [nn.Conv2d(channels, out, 3, padding=1),
                   *([nn.BatchNorm2d(out)] if batch_norm else []), nn.ReLU(inplace=True)]
        channels = out
    return nn.Sequential(*layers), channels


class Illust2VecNet(nn.Module):
    """Tag logits (general + copyright + character, sigmoid) and rating logits (softmax head).

    head="nin": the three FC layers become conv 3x3, conv 3x3, conv 1x1 (to the outputs), then
    global average pooling, as the seed. head="fc": VGG-11's own 4096-4096-outputs FC layers.
    feature_bits > 0: the seed's feature layer, a sigmoid layer of that many units after the last
    convolution (after pooling) feeding the output layer; features() returns its activations."""

    def __init__(self, tags: int, ratings: int, *, head: str = "nin", width: float = 1.0,
                 feature_bits: int = 4096, input_hw: tuple[int, int] = (224, 224),
                 dropout: float = 0.5, batch_norm: bool = False) -> None:
        super().__init__()
        self.tags, self.ratings = tags, ratings
        outputs = tags + ratings
        self.trunk, channels = vgg11_convs(width, batch_norm=batch_norm)
        hidden = max(8, int(1024 * width))
        if head == "nin":
            norm = (lambda: [nn.BatchNorm2d(hidden)]) if batch_norm else list
            # with batch_norm the head's convs are normalised too: without, their ReLUs can all
            # die early in a short run and every image gets the same outputs
            self.head = nn.Sequential(
                nn.Conv2d(channels, hidden, 3, padding=1), *norm(), nn.ReLU(inplace=True),
                nn.Conv2d(hidden, hidden, 3, padding=1), *norm(), nn.ReLU(inplace=True),
                nn.Conv2d(hidden, outputs, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
            pooled = outputs
        elif head == "fc":
            with torch.no_grad():
                flat = self.trunk(torch.zeros(1, 3, *input_hw)).numel()
            fc = max(8, int(4096 * width))
            self.head = nn.Sequential(
                nn.Flatten(), nn.Linear(flat, fc), nn.ReLU(inplace=True), nn.Dropout(dropout),
                nn.Linear(fc, fc), nn.ReLU(inplace=True), nn.Dropout(dropout),
                nn.Linear(fc, outputs))
            pooled = outputs
        else:
            raise ValueError(f"model.head must be 'nin' or 'fc', not {head!r}")
        self.encode = nn.Linear(pooled, feature_bits) if feature_bits else None
        self.decode = nn.Linear(feature_bits, outputs) if feature_bits else None

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The sigmoid feature layer (the hash is these, binarised at 0.5)."""
        return torch.sigmoid(self.encode(self.head(self.trunk(x))))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.head(self.trunk(x))
        if self.encode is not None:
            out = self.decode(torch.sigmoid(self.encode(out)))
        return out[:, :self.tags], out[:, self.tags:]


RESNET_LAYERS = {10: (BasicBlock, [1, 1, 1, 1]), 18: (BasicBlock, [2, 2, 2, 2]),
                 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3]),
                 101: (Bottleneck, [3, 4, 23, 3])}


def resnet_trunk(depth: int, width: int = 64, weights: str | None = None) -> tuple[nn.Module, int]:
    """A torchvision ResNet of `depth` without its fc (random init; local weights only from the
    file named). width < 64 narrows every stage in proportion, for CPU tests."""
    if depth not in RESNET_LAYERS:
        raise ValueError(f"model.depth must be one of {sorted(RESNET_LAYERS)}, not {depth}")
    block, layers = RESNET_LAYERS[depth]
    model = ResNet(block, layers)
    if width != 64:  # rebuild the stages narrower with torchvision's own _make_layer
        model.inplanes = width
        model.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        model.bn1 = nn.BatchNorm2d(width)
        for i, name in enumerate(("layer1", "layer2", "layer3", "layer4")):
            setattr(model, name, model._make_layer(block, width * 2 ** i, layers[i],
                                                   stride=1 if i == 0 else 2))
    model = load_local_weights(model, weights)
    dim = width * 8 * block.expansion
    model.fc = nn.Identity()
    return model, dim


class TextEncoder(nn.Module):
    """Token ids (0 = padding) -> a feature: "ngram" = mean of token embeddings (fastText-like);
    "transformer" = a small transformer encoder, mean-pooled over the non-padding tokens."""

    def __init__(self, vocab: int, dim: int = 128, kind: str = "ngram", layers: int = 2,
                 heads: int = 4, max_tokens: int = 64) -> None:
        super().__init__()
        self.kind, self.dim = kind, dim
        if kind == "ngram":
            self.bag = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        elif kind == "transformer":
            self.embed = nn.Embedding(vocab, dim, padding_idx=0)
            self.position = nn.Parameter(torch.zeros(1, max_tokens, dim))
            layer = nn.TransformerEncoderLayer(dim, heads, dim * 2, dropout=0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, layers)
        else:
            raise ValueError(f"model.text_encoder must be 'ngram' or 'transformer', not {kind!r}")

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if self.kind == "ngram":
            return self.bag(ids)
        mask = ids == 0
        hidden = self.embed(ids) + self.position[:, :ids.shape[1]]
        # an all-padding row (a frame without text) would make attention NaN: keep one slot
        mask = mask & ~(mask.all(1, keepdim=True) & (torch.arange(ids.shape[1]) == 0))
        hidden = self.encoder(hidden, src_key_padding_mask=mask)
        keep = (~mask).unsqueeze(-1).float()
        return (hidden * keep).sum(1) / keep.sum(1).clamp(min=1)


VARIANTS = {  # the seed's five models: inputs and tasks
    "M1": ({"image"}, {"character"}), "M2": ({"text"}, {"character"}),
    "M3": ({"text"}, {"album"}), "M4": ({"image", "text"}, {"character"}),
    "M5": ({"image", "text"}, {"character", "album"}),
}


class MangaMMTLNet(nn.Module):
    """Image and/or text encoders, each feature L2-normalised and concatenated, dropout 0.2,
    then one head per task: Linear(hidden) + ReLU (the evaluation feature) + Linear(classes)."""

    def __init__(self, variant: str, characters: int, albums: int, *, image: nn.Module | None,
                 image_dim: int, text: nn.Module | None, hidden: int = 256,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"model variant must be one of {sorted(VARIANTS)}, not {variant!r}")
        self.inputs, tasks = VARIANTS[variant]
        self.image = image if "image" in self.inputs else None
        self.text = text if "text" in self.inputs else None
        fused = (image_dim if self.image is not None else 0) + (
            text.dim if self.text is not None else 0)
        self.dropout = nn.Dropout(dropout)
        sizes = {"character": characters, "album": albums}
        self.hidden = nn.ModuleDict({t: nn.Sequential(nn.Linear(fused, hidden), nn.ReLU())
                                     for t in sorted(tasks)})
        self.out = nn.ModuleDict({t: nn.Linear(hidden, sizes[t]) for t in sorted(tasks)})

    def fused(self, image: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        parts = []
        if self.image is not None:
            parts.append(F.normalize(self.image(image).float(), dim=1))
        if self.text is not None:
            parts.append(F.normalize(self.text(tokens).float(), dim=1))
        return self.dropout(torch.cat(parts, 1))

    def forward(self, image: torch.Tensor, tokens: torch.Tensor
                ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """(logits per task, evaluation features: each task's hidden layer L2-normalised, concatenated)."""
        fused = self.fused(image, tokens)
        hidden = {t: layer(fused) for t, layer in self.hidden.items()}
        logits = {t: self.out[t](h) for t, h in hidden.items()}
        features = torch.cat([F.normalize(hidden[t], dim=1) for t in sorted(hidden)], 1)
        return logits, features
