"""runs/index.html: every run with a report, grouped by the release it trained on (anchors
`#<dataset>-<version>`, which each release card links to), with its headline verdict."""
from __future__ import annotations

import html
import json
from pathlib import Path

from core import atomic, pages

from . import verdict


def _row(run_dir: Path, result: dict) -> str:
    metric = result.get("primary_metric", "")
    chance = result["chance"] if isinstance(result["chance"], dict) else result["chance"][0]
    summary = (result.get("summary_by_variant") or {"": result["summary"]})
    text = "; ".join(verdict.headline(metric, s.get(metric), chance,
                                      result.get("seed_figures", {}), v)[0]
                     for v, s in summary.items())
    link = f"{run_dir.parent.name}/{run_dir.name}/report.html"
    return (f"<tr><td>{html.escape(result['experiment'])}</td><td><a href='{html.escape(link)}'>"
            f"{html.escape(run_dir.name)}</a></td><td>{html.escape(text)}</td></tr>")


def write_index(runs_root: Path) -> Path | None:
    """Rewrite runs_root/index.html from the runs found there (None without a runs folder)."""
    runs_root = Path(runs_root)
    if not runs_root.is_dir():
        return None
    groups: dict[str, list[str]] = {}
    for metrics in sorted(runs_root.glob("*/*/metrics.json")):
        if not (metrics.parent / "report.html").is_file():
            continue
        try:
            result = json.loads(metrics.read_text())
            release = result["release"]
            anchor = f"{release['dataset']}-{release['version']}"
            groups.setdefault(anchor, []).append(_row(metrics.parent, result))
        except (ValueError, KeyError, TypeError):  # a run from an older layout: leave it out
            continue
    parts = ["<header class='page'><h1>Runs</h1><p class='muted'>Every run with a report, by "
             "the release it trained on.</p></header>"]
    for anchor, rows in sorted(groups.items()):
        parts.append(f"<h2 id='{html.escape(anchor)}'>{html.escape(anchor)}</h2><table><tr>"
                     f"<th>experiment</th><th>run</th><th>verdict</th></tr>{''.join(rows)}</table>")
    if not groups:
        parts.append("<p>No runs yet.</p>")
    pages.write_stylesheet(runs_root)
    path = runs_root / "index.html"
    atomic.write_text(path, pages.page("inkset runs", "\n".join(parts)))
    return path
