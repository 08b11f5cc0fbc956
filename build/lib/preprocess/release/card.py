"""The human card of a release: README.md, card.html, a label histogram and a sample grid (PNG)."""
from __future__ import annotations

import html
import io
import json
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

import pandas as pd
from PIL import Image

from core import atomic

from .spec import ReleaseSpec

GRID_COLUMNS = 8
GRID_CELL = 128
HISTOGRAM_TOP = 30


def label_counts(manifest: pd.DataFrame, spec: ReleaseSpec) -> dict[str, Counter]:
    """Label-name counts over kept samples, per label set."""
    counts: dict[str, Counter] = {name: Counter() for name in spec.label_sets}
    for labels in manifest.loc[manifest["status"] == "success", "labels"]:
        for name, value in json.loads(labels).items():
            for label in value if isinstance(value, list) else [value]:
                if label is not None and name in counts:
                    counts[name][label] += 1
    return counts


def _drawable(font_codepoints: set[int]):
    """A tick-label function: the label itself, or `#rank` when the font lacks one of its glyphs.

    Matplotlib's bundled DejaVu has no CJK glyphs (Pixiv tags, Japanese names) and draws boxes;
    the full names are in card.html and labels.json.
    """
    def tick(label, rank: int) -> str:
        text = str(label)[:18]
        return text if all(ord(c) in font_codepoints for c in text) else f"#{rank}"
    return tick


def write_histogram(path: Path, counts: Mapping[str, Counter]) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import FontProperties, findfont
    from matplotlib.ft2font import FT2Font

    tick = _drawable(set(FT2Font(findfont(FontProperties())).get_charmap()))

    sets = [name for name, counter in counts.items() if counter] or ["(none)"]
    fig, axes = plt.subplots(len(sets), 1, figsize=(10, 2.6 * len(sets)), squeeze=False)
    for axis, name in zip(axes[:, 0], sets):
        top = counts.get(name, Counter()).most_common(HISTOGRAM_TOP)
        axis.bar([tick(label, rank) for rank, (label, _) in enumerate(top, 1)],
                 [n for _, n in top], color="#4c72b0")
        axis.set_title(f"{name} (top {len(top)})", fontsize=10)
        axis.tick_params(axis="x", labelrotation=60, labelsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    atomic.write_bytes(path, buffer.getvalue())


def write_sample_grid(path: Path, shard_paths: list[Path], image_ext: str, limit: int = 32) -> int:
    """Tile the first `limit` images of the given shards; returns how many were drawn."""
    tiles = []
    for shard in shard_paths:
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith("." + image_ext) and member.name.count(".") == 1:
                    try:
                        image = Image.open(tar.extractfile(member)).convert("RGB")
                    except (OSError, ValueError):  # the grid is a preview: skip, never fail
                        continue
                    image.thumbnail((GRID_CELL, GRID_CELL))
                    tiles.append(image)
                    if len(tiles) == limit:
                        break
        if len(tiles) == limit:
            break
    rows = max(1, -(-len(tiles) // GRID_COLUMNS))
    grid = Image.new("RGB", (GRID_COLUMNS * GRID_CELL, rows * GRID_CELL), "white")
    for i, tile in enumerate(tiles):
        grid.paste(tile, ((i % GRID_COLUMNS) * GRID_CELL, (i // GRID_COLUMNS) * GRID_CELL))
    buffer = io.BytesIO()
    grid.save(buffer, "PNG")
    atomic.write_bytes(path, buffer.getvalue())
    return len(tiles)


def _table(rows: list[list[Any]], header: list[str]) -> tuple[str, str]:
    """The same table as Markdown and as HTML."""
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    cells = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                    for row in rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return "\n".join(md), f"<table><tr>{head}</tr>{cells}</table>"


def loading_snippet(shard_counts: Mapping[str, list]) -> str:
    """How to open this release with each reader, for the first split that has shards."""
    with_shards = [s for s, shards in shard_counts.items() if shards]
    split = "train" if "train" in with_shards else next(iter(with_shards), "train")
    last = max(len(shard_counts.get(split, [])) - 1, 0)
    return (f"import webdataset as wds\n"
            f"ds = wds.WebDataset('{split}-{{000000..{last:06d}}}.tar').decode('pil')\n"
            f"# or: wids.ShardListDataset('{split}.shardindex.json')\n"
            f"# or: datasets.load_dataset('webdataset', data_files={{'{split}': '{split}-*.tar'}})\n"
            f"# published (inkset publish <release> s3://BUCKET/PREFIX), straight from the store:\n"
            f"# wds.WebDataset('pipe:inkset cat s3://BUCKET/PREFIX/{split}-{{000000..{last:06d}}}.tar')\n"
            f"# datasets.load_dataset('webdataset', data_files={{'{split}': "
            f"'s3://BUCKET/PREFIX/{split}-*.tar'}}, storage_options={{...}})")


def share_note(spec: ReleaseSpec) -> str:
    if spec.share == "metadata-only":
        return ("Shared metadata-only: `inkset publish` exports the manifest (ids, URLs, labels, "
                "hashes), labels and this card without the images. The shards are for your own "
                "training; do not redistribute them.")
    return "Shared in full: `inkset publish` locks the shards too."


def write_card(release_dir: Path, spec: ReleaseSpec, manifest: pd.DataFrame,
               counts_by_split: Mapping[str, Mapping[str, int]],
               shard_counts: Mapping[str, list], changes: Mapping[str, Any] | None = None) -> None:
    """README.md and card.html: counts, changes since the previous version, labels, figures,
    licence, loading."""
    from .changes import card_section  # changes imports versions; keep card importable alone

    change_lines = card_section(changes) if changes else ["(not recorded)"]
    statuses = sorted({s for c in counts_by_split.values() for s in c})
    rows = [[split] + [counts.get(s, 0) for s in statuses]
            for split, counts in counts_by_split.items()]
    count_md, count_html = _table(rows, ["split"] + statuses)
    reasons = manifest.loc[manifest["status"] != "success"].groupby(
        ["status", "error_message"], dropna=False).size().sort_values(ascending=False)
    reason_md, reason_html = _table([[s, r, n] for (s, r), n in reasons.head(20).items()],
                                    ["status", "reason", "items"])
    top_rows = [[name, rank, label, n] for name, counter in label_counts(manifest, spec).items()
                for rank, (label, n) in enumerate(counter.most_common(HISTOGRAM_TOP), 1)]
    top_md, top_html = _table(top_rows, ["label set", "rank", "label", "samples"])
    title = f"{spec.dataset} {spec.version}"
    load = loading_snippet(shard_counts)
    text = [f"# {title}", "", spec.description, "", "## Counts", "", count_md, "",
            "## Changes", "", *change_lines, "",
            "## Dropped items (top reasons)", "", reason_md, "",
            "## Labels", "", "![label histogram](label_histogram.png)", "",
            "Top labels (the histogram shows `#rank` where its font has no glyph for a name):",
            "", top_md, "",
            "## Samples", "", "![sample grid](sample_grid.png)", "",
            "## Licence and attribution", "", spec.license or "(not stated)", "",
            spec.attribution, "", share_note(spec), "", "## Loading", "", "```python", load, "```", "",
            "Every file is listed in SHA256SUMS; `inkset verify <this folder>` checks it all.", ""]
    atomic.write_text(release_dir / "README.md", "\n".join(text))
    page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
            f"</title></head><body><h1>{html.escape(title)}</h1><p>{html.escape(spec.description)}"
            f"</p><h2>Counts</h2>{count_html}<h2>Changes</h2>"
            f"<pre>{html.escape(chr(10).join(change_lines))}</pre>"
            f"<h2>Dropped items</h2>{reason_html}"
            f"<h2>Labels</h2><img src='label_histogram.png'>{top_html}<h2>Samples</h2>"
            f"<img src='sample_grid.png'><h2>Licence</h2><p>{html.escape(spec.license)}</p>"
            f"<p>{html.escape(spec.attribution)}</p><p>{html.escape(share_note(spec))}</p>"
            f"<h2>Loading</h2><pre>{html.escape(load)}"
            f"</pre></body></html>\n")
    atomic.write_text(release_dir / "card.html", page)
