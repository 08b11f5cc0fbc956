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

    head="nin": the seed's Table 1: three 3x3 conv layers (1,024, 1,024, then one channel per
    output label) and global average pooling in place of VGG's FC layers. head="fc": VGG-11's own 4096-4096-outputs FC layers.
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
                nn.Conv2d(hidden, outputs, 3, padding=1), nn.AdaptiveAvgPool2d(1), nn.Flatten())
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

    def forward_with_features(self, x: torch.Tensor
                              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(tag logits, rating logits, the sigmoid features) from one pass of the trunk:
        evaluation needs all three, and the trunk is nearly all of the cost."""
        features = torch.sigmoid(self.encode(self.head(self.trunk(x))))
        out = self.decode(features)
        return out[:, :self.tags], out[:, self.tags:], features


RESNET_LAYERS = {10: (BasicBlock, [1, 1, 1, 1]), 18: (BasicBlock, [2, 2, 2, 2]),
                 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3]),
                 101: (Bottleneck, [3, 4, 23, 3])}


def resnet_trunk(depth: int, width: int = 64, weights: str | None = None, **options
                 ) -> tuple[nn.Module, int]:
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
    model.fc = nn.Identity()  # a trunk: the weights' own head is left unused
    model = load_local_weights(model, weights, **options)
    return model, width * 8 * block.expansion


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
            # no nested-tensor fast path at inference: at max_tokens (64) it saves little,
            # and its mask check has no kernel for the meta device the device tests use
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        else:
            raise ValueError(f"model.text_encoder must be 'ngram' or 'transformer', not {kind!r}")

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if self.kind == "ngram":
            return self.bag(ids)
        mask = ids == 0
        hidden = self.embed(ids) + self.position[:, :ids.shape[1]]
        # an all-padding row (a frame without text) would make attention NaN: keep one slot.
        # The position index lives on the ids' device (a CPU one beside a CUDA mask fails)
        first = torch.arange(ids.shape[1], device=ids.device) == 0
        mask = mask & ~(mask.all(1, keepdim=True) & first)
        hidden = self.encoder(hidden, src_key_padding_mask=mask)
        keep = (~mask).unsqueeze(-1).float()
        return (hidden * keep).sum(1) / keep.sum(1).clamp(min=1)


# The seed's five models, as heads: name -> (the inputs its fused feature reads, the task it
# predicts). M5 adds two auxiliary heads to M4's: the image alone -> character, the text alone ->
# album (the text says which book a face is from).
HEADS = {
    "M1": {"character": (("image",), "character")},
    "M2": {"character": (("text",), "character")},
    "M3": {"album": (("text",), "album")},
    "M4": {"character": (("image", "text"), "character")},
    "M5": {"character": (("image", "text"), "character"),
           "image_character": (("image",), "character"),
           "album": (("text",), "album")},
}
# the heads whose hidden layers make the evaluation feature: M5's fused character feature and
# its album feature, as the seed; every other model's one head
FEATURE_HEADS = {"M5": ("character", "album")}
VARIANTS = {variant: ({i for inputs, _ in heads.values() for i in inputs},
                      {task for _, task in heads.values()})
            for variant, heads in HEADS.items()}   # variant -> (its inputs, its tasks)


def head_task(head: str) -> str:
    """The label a head predicts: "image_character" -> "character"."""
    return head.rsplit("_", 1)[-1]


class MangaMMTLNet(nn.Module):
    """Image and/or text encoders, each feature L2-normalised, concatenated for the heads that
    read both, dropout 0.2, then per head (HEADS): Linear(hidden) + ReLU (the evaluation
    feature) + Linear(classes)."""

    def __init__(self, variant: str, characters: int, albums: int, *, image: nn.Module | None,
                 image_dim: int, text: nn.Module | None, hidden: int = 256,
                 dropout: float = 0.2) -> None:
        super().__init__()
        if variant not in HEADS:
            raise ValueError(f"model variant must be one of {sorted(HEADS)}, not {variant!r}")
        self.heads = HEADS[variant]
        self.feature_heads = FEATURE_HEADS.get(variant, tuple(sorted(self.heads)))
        self.inputs = VARIANTS[variant][0]
        self.image = image if "image" in self.inputs else None
        self.text = text if "text" in self.inputs else None
        dims = {"image": image_dim, "text": text.dim if self.text is not None else 0}
        self.dropout = nn.Dropout(dropout)
        sizes = {"character": characters, "album": albums}
        self.hidden = nn.ModuleDict({
            name: nn.Sequential(nn.Linear(sum(dims[i] for i in inputs), hidden), nn.ReLU())
            for name, (inputs, _) in sorted(self.heads.items())})
        self.out = nn.ModuleDict({name: nn.Linear(hidden, sizes[task])
                                  for name, (_, task) in sorted(self.heads.items())})

    def encoded(self, image: torch.Tensor, tokens: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each input's feature, L2-normalised."""
        parts = {}
        if self.image is not None:
            parts["image"] = F.normalize(self.image(image).float(), dim=1)
        if self.text is not None:
            parts["text"] = F.normalize(self.text(tokens).float(), dim=1)
        return parts

    def forward(self, image: torch.Tensor, tokens: torch.Tensor
                ) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """(logits per head, evaluation features: the feature heads' hidden layers, each
        L2-normalised, concatenated)."""
        parts = self.encoded(image, tokens)
        hidden = {name: self.hidden[name](self.dropout(torch.cat([parts[i] for i in inputs], 1)))
                  for name, (inputs, _) in self.heads.items()}
        logits = {name: self.out[name](h) for name, h in hidden.items()}
        features = torch.cat([F.normalize(hidden[name], dim=1) for name in self.feature_heads], 1)
        return logits, features
