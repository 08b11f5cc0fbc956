"""report.html of a run: the release it read, the code, metrics beside chance and the seed, figures."""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import numpy as np

from core import atomic

from . import figures
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


def seed_of(seed_figures: dict, metric: str, ours) -> str:
    """The seed's figures for a metric (named `metric` or `metric (setting)`), in our units: a
    paper's percentage beside our fraction is divided by 100 (and said so)."""
    found = []
    for name, value in seed_figures.items():
        base, _, setting = name.partition(" (")
        if base != metric:
            continue
        setting = setting.rstrip(")")
        mean = ours.get("mean") if isinstance(ours, dict) else ours
        if (isinstance(value, (int, float)) and value > 1 and isinstance(mean, float)
                and mean <= 1):
            found.append(f"{value / 100:.4f} ({setting}{'; ' if setting else ''}{value}% printed)")
        else:
            found.append(f"{value}{f' ({setting})' if setting else ''}")
    return "; ".join(found)


def _is_test(name: str) -> bool:
    """A significance figure (a p-value) rather than a metric."""
    return re.search(r"(^|_)p($|_)", name) is not None


CHANCE_NAMES = {"accuracy": "majority_accuracy", "macro_f1": "best_constant_macro_f1",
                "accuracy_thresh": "best_constant_accuracy_thresh", "f2": "best_constant_f2"}


def chance_of(chance: dict, metric: str):
    """The chance level beside a metric: a named baseline, else one stored under its own name."""
    return chance.get(CHANCE_NAMES.get(metric, metric), "")


def _metrics_table(result: dict, chance: dict) -> str:
    """Metrics beside chance and the seed; one column per model variant when the repeats train
    different models (summary_by_variant), never a mean over them."""
    head = ("chance (best constant / majority / random)", "the seed (its paper)")
    seed = result.get("seed_figures", {})
    by_variant = result.get("summary_by_variant")
    if not by_variant:
        rows = [(name, value, chance_of(chance, name), seed_of(seed, name, value))
                for name, value in result["summary"].items() if name != "per_class"]
        return ("<h2>Test metrics (mean ± std over repeats) beside chance and the seed</h2>"
                + _table(rows, ("metric", "ours", *head)))
    names = list(dict.fromkeys(n for s in by_variant.values() for n in s if n != "per_class"))
    first = next(iter(by_variant.values()))
    rows = [(name, *(s.get(name, "-") for s in by_variant.values()), chance_of(chance, name),
             seed_of(seed, name, first.get(name))) for name in names]
    return ("<h2>Test metrics per model variant (mean ± std over its repeats) beside chance and "
            "the seed</h2>" + _table(rows, ("metric", *by_variant, *head)))


def _other_chance(chance: dict, shown: set[str]) -> str:
    """Chance figures and tests the metric table does not show (p-values, baselines)."""
    rest = {k: v for k, v in chance.items() if k not in shown and not isinstance(v, (dict, list))}
    if not rest:
        return ""
    rows = sorted(rest.items(), key=lambda item: (not _is_test(item[0]), item[0]))
    return ("<h3>Significance tests and other chance figures</h3>"
            + _table(rows, ("figure", "value")))


def write_report(run_dir: Path) -> Path:
    """Write report.html (+ PNGs) from metrics.json, metrics.jsonl and the first repeat's model."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir)
    result = json.loads((run_dir / "metrics.json").read_text())
    experiment, model = load_trained(run_dir, 0)
    saved = np.load(predictions_path(run_dir, 0))
    keys = saved["__keys__"].tolist()
    outputs = {name: saved[name] for name in saved.files if name != "__keys__"}
    shown = experiment.figures(run_dir, model, outputs, keys)
    curve = figures.curves(run_dir, result.get("primary_metric", ""))
    if curve:
        shown = {"Training loss and validation metric per epoch": curve, **shown}
    chance = result["chance"] if isinstance(result["chance"], dict) else result["chance"][0]
    metrics_table = _metrics_table(result, chance)
    release = result["release"]
    body = [
        f"<h1>{html.escape(cfg['experiment'])}: {html.escape(run_dir.name)}</h1>",
        "<h2>What it trained on</h2>",
        _table([("dataset", release["dataset"]), ("version", release["version"]),
                ("sha256 of SHA256SUMS", release["sha256_of_SHA256SUMS"]),
                ("release path", release["path"]), ("samples per split", release["samples"]),
                ("code version", result["code_version"])], ("", "")),
        metrics_table,
        _other_chance(chance, {CHANCE_NAMES.get(n, n) for n in result["summary"]}),
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


def summary_line(run_dir: str) -> str:
    """One line: the primary metric beside its chance level."""
    result = json.loads((Path(run_dir) / "metrics.json").read_text())
    name = result["primary_metric"]
    chance = result["chance"] if isinstance(result["chance"], dict) else result["chance"][0]
    # repeats training different models (Manga-MMTL's M1..M5): one figure per model
    summaries = result.get("summary_by_variant") or {"": result["summary"]}
    ours = ", ".join(f"{(variant + ' ') if variant else ''}{s[name]['mean']:.3f} ± "
                     f"{s[name]['std']:.3f} (n={s[name]['n']})"
                     for variant, s in summaries.items())
    baseline = chance_of(chance, name)
    extra = "".join(f", {k} {v:.2g}" for k, v in chance.items() if k.startswith("binomial_p"))
    return (f"{result['experiment']}: test {name} {ours} vs chance "
            f"{baseline if isinstance(baseline, str) else format(baseline, '.3f')}{extra}")
