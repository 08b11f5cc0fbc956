"""The classifier networks of the seeds, from torchvision's building blocks where one exists."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torchvision.models import resnet34
from torchvision.models.resnet import BasicBlock, ResNet


class ArtistCNN(nn.Module):
    """Comic artist classification: five 5x5 conv layers (32..512 filters) each followed by 2x2
    max-pooling, two fully connected layers of 1,024 units with dropout 0.1, then the classes."""

    def __init__(self, classes: int, in_channels: int = 1, input_hw: tuple[int, int] = (400, 300),
                 widths: tuple[int, ...] = (32, 64, 128, 256, 512), hidden: int = 1024,
                 dropout: float = 0.1) -> None:
        super().__init__()
        layers, channels = [], in_channels
        for width in widths:
            layers += [nn.Conv2d(channels, width, 5, padding=2), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            channels = width
        self.features = nn.Sequential(*layers)
        with torch.no_grad():  # the flattened size follows from the release's image size
            flat = self.features(torch.zeros(1, in_channels, *input_hw)).numel()
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True), nn.Dropout(dropout),
            nn.Linear(hidden, classes))

    @property
    def last_conv(self) -> nn.Conv2d:
        return [m for m in self.features if isinstance(m, nn.Conv2d)][-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def resnet14(classes: int, width: int = 64) -> ResNet:
    """A residual network of 14 weighted layers: stem conv + 6 basic blocks (12 convs) + fc."""
    model = ResNet(BasicBlock, [1, 2, 2, 1], num_classes=classes, width_per_group=64)
    if width != 64:
        raise ValueError("resnet14 width other than 64 is not supported")
    return model


def load_local_weights(model: nn.Module, path: str | None) -> nn.Module:
    """Pretrained weights only from a file the user names; the classifier head stays fresh."""
    if not path:
        return model
    file = Path(path).expanduser()
    if not file.is_file():
        from core.errors import UsageError

        raise UsageError(f"model.weights {path!r}: no such file (weights are never downloaded; "
                         f"name a local .pth state dict)")
    state = torch.load(file, map_location="cpu", weights_only=True)
    own = model.state_dict()
    usable = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    model.load_state_dict(usable, strict=False)
    return model


def build_resnet34(classes: int, weights: str | None = None) -> ResNet:
    model = load_local_weights(resnet34(weights=None), weights)
    model.fc = nn.Linear(model.fc.in_features, classes)
    return model
