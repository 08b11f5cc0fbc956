"""report.html of a run: the release it read, the code, metrics beside chance and the seed, pictures."""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from preprocess.release import atomic

from . import pictures
from .config import read_run_config
from .evaluate import load_trained, predictions_path


def _cell(value) -> str:
    if isinstance(value, dict) and "mean" in value:
        return f"{value['mean']:.4f} ± {value['std']:.4f} (n={value['n']})"
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape(str(value))


def _table(rows: list[tuple], head: tuple) -> str:
    cells = "".join("<tr>" + "".join(f"<td>{_cell(c)}</td>" for c in row) + "</tr>"
                    for row in rows)
    return ("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
            + cells + "</table>")


def _per_class_tables(first: dict, per_class: dict) -> str:
    parts = []
    for name, table in per_class.items():
        parts.append(f"<h3>{name} (mean ± std over repeats)</h3>"
                     + _table(sorted(table.items()), ("class", name)))
    if "per_label" in first:
        rows = [(label, v["positives"], v["precision"], v["recall"],
                 "n/a" if v["ap"] is None else v["ap"]) for label, v in first["per_label"].items()]
        parts.append("<h3>Per label (first repeat): why a high accuracy_thresh can sit beside "
                     "weak per-label numbers</h3>"
                     + _table(rows, ("label", "test positives", "precision @0.5", "recall @0.5",
                                     "AP")))
    return "".join(parts)


CHANCE_NAMES = {"accuracy": "majority_accuracy", "macro_f1": "best_constant_macro_f1",
                "accuracy_thresh": "best_constant_accuracy_thresh", "f2": "best_constant_f2"}


def chance_of(chance: dict, metric: str):
    """The chance level beside a metric: a named baseline, else one stored under its own name."""
    return chance.get(CHANCE_NAMES.get(metric, metric), "")


def write_report(run_dir: Path) -> Path:
    """Write report.html (+ PNGs) from metrics.json, metrics.jsonl and the first repeat's model."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir)
    result = json.loads((run_dir / "metrics.json").read_text())
    experiment, model = load_trained(run_dir, 0)
    saved = np.load(predictions_path(run_dir, 0))
    keys = saved["__keys__"].tolist()
    outputs = {name: saved[name] for name in saved.files if name != "__keys__"}
    shown = experiment.pictures(run_dir, model, outputs, keys)
    curve = pictures.curves(run_dir)
    if curve:
        shown = {"Training loss and validation metric per epoch": curve, **shown}
    chance = result["chance"] if isinstance(result["chance"], dict) else result["chance"][0]
    rows = [(name, value, chance_of(chance, name)) for name, value in result["summary"].items()
            if name != "per_class"]
    release = result["release"]
    body = [
        f"<h1>{html.escape(cfg['experiment'])}: {html.escape(run_dir.name)}</h1>",
        "<h2>What it trained on</h2>",
        _table([("dataset", release["dataset"]), ("version", release["version"]),
                ("sha256 of SHA256SUMS", release["sha256_of_SHA256SUMS"]),
                ("release path", release["path"]), ("samples per split", release["samples"]),
                ("code version", result["code_version"])], ("", "")),
        "<h2>Test metrics (mean ± std over repeats) beside chance</h2>",
        _table(rows, ("metric", "ours", "chance (best constant / majority / random)")),
        f"<p>Significance: {html.escape(json.dumps({k: v for k, v in chance.items() if 'p_' in k or k.endswith('_p')}))}</p>",
        "<h2>The seed's figures</h2>",
        _table(sorted(result["seed_figures"].items()), ("figure", "seed")),
        _per_class_tables(result["repeats"][0], result["summary"].get("per_class", {})),
        "<h2>Pictures</h2>",
        *(f"<figure><img src='{html.escape(name)}' style='max-width:100%'>"
          f"<figcaption>{html.escape(caption)}</figcaption></figure>"
          for caption, name in shown.items()),
        "<h2>Config</h2>", f"<pre>{html.escape(json.dumps(cfg, indent=2))}</pre>",
    ]
    page = ("<!doctype html><meta charset='utf-8'><title>" + html.escape(cfg["experiment"])
            + "</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}</style>"
            + "\n".join(body))
    atomic.write_text(run_dir / "report.html", page)
    return run_dir / "report.html"
