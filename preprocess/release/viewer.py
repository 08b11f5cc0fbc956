"""viewer.html: every split's rows, paginated, with thumbnails, named labels and metadata columns, a
split selector and a label filter. Static files inside the release (viewer.html, viewer.js,
viewer_data.js, the thumbnail sheets): it opens from disk, a web server or an object store, and
reads no JSON by fetch (file:// forbids it), so the data is a script."""
from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

from core import atomic, pages

from .thumbs import CELL, Scan, thumb_place

VIEWER_FILES = ("viewer.html", "viewer.js", "viewer_data.js")
# the writer's own fields: in every sample, shown elsewhere (key, labels) or not worth a column
HIDDEN_META = {"key", "split", "labels", "source_sha256", "attribution", "license", "source_ids",
               "original_width", "original_height"}
CELL_TEXT = 120  # characters of a metadata value shown in a cell


def _cell(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False)
    elif value is None:
        text = ""
    else:
        text = str(value)
    return text if len(text) <= CELL_TEXT else text[:CELL_TEXT - 1] + "…"


def viewer_data(dataset: str, version: str, scan: Scan,
                names: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The viewer's data: label names per set, metadata columns, one compact row per sample."""
    splits = list(dict.fromkeys(row.split for row in scan.rows))
    sets = {name: list(labels) for name, labels in names.items()}
    index = {name: {label: i for i, label in enumerate(labels)} for name, labels in sets.items()}
    columns = [c for c in (scan.rows[0].meta if scan.rows else {}) if c not in HIDDEN_META]
    rows = []
    for number, row in enumerate(scan.rows):
        labels = {}
        for set_name, value in row.labels.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            labels[set_name] = [index[set_name][v] for v in values
                                if set_name in index and v in index[set_name]]
        sheet, x, y = thumb_place(number)
        rows.append([row.key, splits.index(row.split), labels,
                     [_cell(row.meta.get(c)) for c in columns],
                     [sheet, x, y] if row.has_image else None])
    return {"dataset": dataset, "version": version, "splits": splits, "cell": CELL,
            "label_sets": {name: [names[name][label] for label in labels]
                           for name, labels in sets.items()},
            "columns": columns, "rows": rows}


def write_viewer(release_dir: Path, dataset: str, version: str, scan: Scan,
                 names: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Write the viewer's files into the release; returns their names."""
    data = viewer_data(dataset, version, scan, names)
    atomic.write_text(release_dir / "viewer_data.js", "window.INKSET_VIEW = "
                      + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + ";\n")
    script = resources.files(__package__).joinpath("static", "viewer.js").read_text("utf-8")
    atomic.write_text(release_dir / "viewer.js", script)
    title = f"{dataset} {version}: viewer"
    body = (f"<header class='page'><h1>{html.escape(title)}</h1>"
            f"<nav class='links'><a href='card.html'>← release card</a>"
            f"<a href='README.md'>README.md</a></nav></header>"
            "<div class='controls'>"
            "<label>split <select id='split'></select></label>"
            "<label>label set <select id='label-set'></select></label>"
            "<label>label <select id='label'></select></label>"
            "<label>key contains <input id='search' size='16'></label>"
            "<button id='prev'>‹ previous</button><span id='page-info'></span>"
            "<button id='next'>next ›</button></div>"
            "<div class='wide'><table class='rows' id='rows'><thead></thead><tbody></tbody>"
            "</table></div>"
            "<p class='muted'>Thumbnails are shrunk to fit 96 pixels; the shards hold the "
            "full images.</p>")
    atomic.write_text(release_dir / "viewer.html",
                      pages.page(title, body, scripts=("viewer_data.js", "viewer.js")))
    pages.write_stylesheet(release_dir)
    return [*VIEWER_FILES, *scan.sheets, pages.STYLESHEET_FILE]
