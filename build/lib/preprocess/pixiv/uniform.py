"""Near-uniform detection: mostly white or mostly black images are not artwork to learn from."""
from __future__ import annotations

import numpy as np
from PIL import Image

THUMB = (64, 64)  # enough to measure coverage; cheap for 500x500 and 1200-px inputs alike


def near_uniform(image: Image.Image, fraction: float = 0.95, white: int = 240,
                 black: int = 15) -> str | None:
    """"near_white" / "near_black" when at least `fraction` of the (greyscale) pixels are
    >= `white` / <= `black`; else None."""
    grey = np.asarray(image.convert("L").resize(THUMB, Image.Resampling.BOX))
    if (grey >= white).mean() >= fraction:
        return "near_white"
    if (grey <= black).mean() >= fraction:
        return "near_black"
    return None
