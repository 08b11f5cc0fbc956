"""The human card of a release: README.md (with the Hugging Face YAML header) and card.html, the
viewer beside them, a label histogram and a captioned sample grid."""
from __future__ import annotations

import html
import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from core import atomic, pages

from . import card_figures, hf_card, label_names, thumbs, viewer
from .near_duplicates import card_section as near_duplicate_section
from .spec import ReleaseSpec

HISTOGRAM_TOP = card_figures.HISTOGRAM_TOP
GRID_CLASSES = 64       # the sample grid shows one sample of each of the first N classes
EXAMPLE_CLASSES = 40    # per-class example rows
EXAMPLES_PER_CLASS = 6
SPLIT_TABLE_LABELS = 50  # label-by-split rows per label set


@dataclass
class CardSection:
    """One section of the card: a title, its Markdown (README.md) and its HTML (card.html)."""
    title: str
    markdown: str
    html: str


@dataclass
class CardContext:
    """What a section function may read to write its section."""
    release_dir: Path
    spec: ReleaseSpec
    manifest: pd.DataFrame
    scan: thumbs.Scan
    names: Mapping[str, Mapping[str, str]]


# Extra sections, appended before the licence: functions of a CardContext returning a
# CardSection, or None to add nothing. Another module registers its own with one line.
EXTRA_SECTIONS: list[Callable[[CardContext], CardSection | None]] = []


def _near_duplicates(context: CardContext) -> CardSection:
    """Groups, pairs across splits and with the previous version (docs/near_duplicates.md)."""
    lines, fragment = near_duplicate_section(context.release_dir)
    return CardSection("Near-duplicates", "\n".join(lines), fragment)


EXTRA_SECTIONS.append(_near_duplicates)


def label_counts(manifest: pd.DataFrame, spec: ReleaseSpec) -> dict[str, Counter]:
    """Label counts over kept samples, per label set (on the full label, never a shortened one)."""
    counts: dict[str, Counter] = {name: Counter() for name in spec.label_sets}
    for labels in manifest.loc[manifest["status"] == "success", "labels"]:
        for name, value in json.loads(labels).items():
            for label in value if isinstance(value, list) else [value]:
                if label is not None and name in counts:
                    counts[name][label] += 1
    return counts


def counts_by_split(manifest: pd.DataFrame, spec: ReleaseSpec) -> dict[str, dict[str, Counter]]:
    """{label set: {label: Counter(split -> kept samples)}}."""
    found: dict[str, dict[str, Counter]] = {name: defaultdict(Counter) for name in spec.label_sets}
    kept = manifest[manifest["status"] == "success"]
    for split, labels in zip(kept["split"], kept["labels"]):
        for name, value in json.loads(labels).items():
            for label in value if isinstance(value, list) else [value]:
                if label is not None and name in found:
                    found[name][label][split] += 1
    return found


def _table(rows: list[list[Any]], header: list[str]) -> tuple[str, str]:
    """The same table as Markdown and as HTML (numbers right-aligned)."""
    md = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    md += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    cells = "".join("<tr>" + "".join(
        f"<td class='num'>{c}</td>" if isinstance(c, int) else f"<td>{html.escape(str(c))}</td>"
        for c in row) + "</tr>" for row in rows)
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


def examples_per_class(scan: thumbs.Scan, label_set: str | None,
                       order: list[str]) -> dict[str, list[int]]:
    """Row numbers of up to EXAMPLES_PER_CLASS samples per label, in split and shard order."""
    found: dict[str, list[int]] = {label: [] for label in order}
    for number, row in enumerate(scan.rows):
        value = row.labels.get(label_set) if label_set else None
        for label in value if isinstance(value, list) else [value]:
            if label in found and len(found[label]) < EXAMPLES_PER_CLASS and row.has_image:
                found[label].append(number)
    return found


def sample_grid(scan: thumbs.Scan, spec: ReleaseSpec, counts: Mapping[str, Counter],
                names: Mapping[str, Mapping[str, str]]) -> tuple[list[tuple[int, str]], int]:
    """(row number, caption) of one sample per label of every label set, most frequent labels
    first, at most GRID_CLASSES; and how many labels there are in all."""
    picks, total = [], 0
    several = len(spec.label_sets) > 1
    for name in spec.label_sets:
        order = [label for label, _ in counts.get(name, Counter()).most_common()]
        total += len(order)
        for label, rows in examples_per_class(scan, name, order).items():
            if rows and len(picks) < GRID_CLASSES:
                shown = names[name].get(label, label)
                picks.append((rows[0], f"{name}: {shown}" if several else shown))
    return picks, total


def _thumb(number: int, caption: str) -> str:
    sheet, x, y = thumbs.thumb_place(number)
    return (f"<img src='{sheet}' alt='{html.escape(caption)}' title='{html.escape(caption)}' "
            f"style='object-position:-{x}px -{y}px' onerror=\"this.className='missing'\">")


def _example_rows(scan: thumbs.Scan, label_set: str, counts: Counter, names: Mapping[str, str],
                  sets: int) -> str:
    """Rows of example thumbnails for the most frequent labels of one label set."""
    order = [label for label, _ in counts.most_common(EXAMPLE_CLASSES)]
    rows = "".join(
        f"<div class='class-row'><div class='name'>{html.escape(names.get(label, label))}"
        f" <span class='muted'>({counts[label]})</span></div>"
        + "".join(_thumb(n, names.get(label, label)) for n in numbers) + "</div>"
        for label, numbers in examples_per_class(scan, label_set, order).items() if numbers)
    more = (f" (the {EXAMPLE_CLASSES} most frequent of {len(counts)})"
            if len(counts) > EXAMPLE_CLASSES else "")
    return (f"<h3>{html.escape(label_set + more)}</h3>" if sets > 1 else "") + rows


def _links(spec: ReleaseSpec, changes: Mapping[str, Any] | None) -> str:
    previous = (changes or {}).get("previous_version")
    links = ["<a href='viewer.html'>browse every sample (viewer)</a>",
             "<a href='changes.json'>changes.json</a>",
             "<a href='README.md'>README.md</a>", "<a href='croissant.json'>croissant.json</a>",
             f"<a href='../../../runs/index.html#{html.escape(spec.dataset)}-"
             f"{html.escape(spec.version)}'>runs trained on it</a>"]
    if previous:
        links.insert(1, f"<a href='../{html.escape(previous)}/card.html'>previous version "
                        f"({html.escape(previous)})</a>")
    return "<nav class='links'>" + "".join(links) + "</nav>"


def _label_split_section(by_split, names, splits) -> tuple[str, str]:
    md_parts, html_parts = [], []
    for name, labels in by_split.items():
        ranked = sorted(labels.items(), key=lambda item: (-sum(item[1].values()), item[0]))
        rows = [[names[name].get(label, label), *(c.get(s, 0) for s in splits),
                 sum(c.values())] for label, c in ranked[:SPLIT_TABLE_LABELS]]
        more = (f" (the {SPLIT_TABLE_LABELS} most frequent of {len(ranked)}; the viewer filters "
                f"by any)" if len(ranked) > SPLIT_TABLE_LABELS else "")
        md, page = _table(rows, ["label", *splits, "all"])
        md_parts += [f"### {name}{more}", "", md, ""]
        html_parts.append(f"<h3>{html.escape(name + more)}</h3>{page}")
    return "\n".join(md_parts), "".join(html_parts)


def write_card(release_dir: Path, spec: ReleaseSpec, manifest: pd.DataFrame,
               counts_by_status: Mapping[str, Mapping[str, int]],
               shard_counts: Mapping[str, list], changes: Mapping[str, Any] | None = None) -> None:
    """Scan the shards once, then write the viewer, the figures, README.md and card.html."""
    from .changes import card_section  # changes imports versions; keep card importable alone

    shards_by_split = {split: [name for name, _ in lst] for split, lst in shard_counts.items()}
    scan = thumbs.scan_release(release_dir, shards_by_split, spec.image_ext)
    names = label_names.display_names(spec.label_sets, ((r.labels, r.meta) for r in scan.rows))
    viewer.write_viewer(release_dir, spec.dataset, spec.version, scan, names)
    counts = label_counts(manifest, spec)
    card_figures.write_histogram(release_dir / "label_histogram.png", counts, names)
    grid, classes = sample_grid(scan, spec, counts, names)
    card_figures.write_sample_grid(release_dir / "sample_grid.png", release_dir, grid)

    splits = list(spec.splits)
    statuses = sorted({s for c in counts_by_status.values() for s in c})
    count_md, count_html = _table([[split] + [int(c.get(s, 0)) for s in statuses]
                                   for split, c in counts_by_status.items()], ["split"] + statuses)
    split_md, split_html = _label_split_section(counts_by_split(manifest, spec), names, splits)
    reasons = manifest.loc[manifest["status"] != "success"].groupby(
        ["status", "error_message"], dropna=False).size().sort_values(ascending=False)
    reason_md, reason_html = _table([[s, r, int(n)] for (s, r), n in reasons.head(20).items()],
                                    ["status", "reason", "items"])
    change_lines = card_section(changes) if changes else ["(not recorded)"]
    context = CardContext(release_dir, spec, manifest, scan, names)
    extra = [section for make in EXTRA_SECTIONS if (section := make(context)) is not None]
    load = loading_snippet(shard_counts)
    title = f"{spec.dataset} {spec.version}"
    covered = (f"one sample of each of {len(grid)} labels"
               + (f" (the most frequent of {classes})" if classes > len(grid) else "")
               + f" of {', '.join(spec.label_sets)}")
    kept = {split: int(c.get("success", 0)) for split, c in counts_by_status.items()}
    text = [hf_card.yaml_header(spec, (r.meta for r in scan.rows), kept),
            f"# {title}", "", spec.description, "",
            "Browse every sample: [viewer.html](viewer.html); the styled card: "
            "[card.html](card.html).", "", "## Counts", "", count_md, "",
            "## Labels per split", "", split_md, "", "## Changes", "", *change_lines, "",
            "## Dropped items (top reasons)", "", reason_md, "",
            "## Labels", "", "![label histogram](label_histogram.png)", "",
            "## Samples", "", f"![sample grid: {covered}](sample_grid.png)", "",
            *(f"## {s.title}\n\n{s.markdown}\n" for s in extra),
            "## Licence and attribution", "", spec.license or "(not stated)", "",
            spec.attribution, "", share_note(spec), "", "## Loading", "", "```python", load, "```",
            "", "Every file is listed in SHA256SUMS; `inkset verify <this folder>` checks it all.",
            ""]
    atomic.write_text(release_dir / "README.md", "\n".join(text))

    grid_html = "".join(f"<div class='tile'>{_thumb(row, caption)}{html.escape(caption)}</div>"
                        for row, caption in grid)
    rows_html = "".join(_example_rows(scan, name, counts[name], names[name], len(spec.label_sets))
                        for name in spec.label_sets)
    badges = "".join(f"<span class='badge'>{html.escape(b)}</span>" for b in (
        f"version {spec.version}", f"{sum(kept.values())} samples", f"share: {spec.share}",
        *(f"{name}: {len(labels)} labels" for name, labels in spec.label_sets.items())))
    body = "\n".join([
        f"<header class='page'><h1>{html.escape(title)}</h1><p>{html.escape(spec.description)}</p>"
        f"<p>{badges}</p>{_links(spec, changes)}</header>",
        f"<h2>Counts</h2>{count_html}", f"<h2>Labels per split</h2>{split_html}",
        f"<h2>Samples</h2><p class='caption'>{html.escape(covered.replace('`', ''))}; "
        f"<a href='viewer.html'>the viewer</a> shows them all.</p>"
        f"<div class='grid'>{grid_html}</div>",
        f"<h2>Examples per class</h2>{rows_html or '<p class=muted>(no images)</p>'}",
        "<h2>Labels</h2><figure><img src='label_histogram.png' alt='label histogram'>"
        "<figcaption>Samples per label, most frequent first.</figcaption></figure>",
        f"<h2>Changes</h2><pre>{html.escape(chr(10).join(change_lines))}</pre>",
        f"<h2>Dropped items</h2>{reason_html}",
        *(f"<h2>{html.escape(s.title)}</h2>{s.html}" for s in extra),
        f"<h2>Licence</h2><p>{html.escape(spec.license or '(not stated)')}</p>"
        f"<p>{html.escape(spec.attribution)}</p><p>{html.escape(share_note(spec))}</p>",
        f"<h2>Loading</h2><pre>{html.escape(load)}</pre>",
        "<p class='muted'>Every file is listed in SHA256SUMS; <code>inkset verify</code> checks "
        "it all.</p>"])
    atomic.write_text(release_dir / "card.html", pages.page(title, body))
