"""report.html of a run: the release it read, the code, metrics beside chance and the seed, figures."""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np

from core import atomic, pages

from . import diagnostics, figures, report_facts, runs_index, verdict
from .config import read_run_config
from .evaluate import load_trained, predictions_path


def _cell(value, name: str = "") -> str:
    """A number as verdict.number writes it (p-values in scientific notation, counts as
    integers); mean ± std (n) for a summary over repeats."""
    if isinstance(value, dict) and "mean" in value:
        if float(value["mean"]).is_integer() and float(value["std"]).is_integer() \
                and (abs(value["mean"]) >= 2 or verdict.is_count(name)):
            return f"{int(value['mean'])} ± {int(value['std'])} (n={value['n']})"
        return f"{value['mean']:.4f} ± {value['std']:.4f} (n={value['n']})"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return verdict.number(value, name)
    return html.escape(str(value))


def _table(rows: list[tuple], head: tuple) -> str:
    """Rows whose first cell names them: a p-value row is written as one."""
    cells = "".join("<tr>" + "".join(f"<td>{_cell(c, str(row[0]))}</td>" for c in row) + "</tr>"
                    for row in rows)
    header = ("<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>"
              if any(head) else "")
    return "<table>" + header + cells + "</table>"


def _per_class_tables(first: dict, per_class: dict) -> str:
    parts = []
    for name, table in per_class.items():
        parts.append(f"<h3>{name} (mean ± std over repeats)</h3>"
                     + _table([(figures.named([c])[0], v) for c, v in sorted(table.items())],
                              ("class", name)))
    if "per_label" in first:
        rows = [(figures.named([label])[0], v["positives"], v["precision"], v["recall"],
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


_is_test = verdict.is_p_value          # a p-value rather than a metric
CHANCE_NAMES = verdict.CHANCE_NAMES   # the chance figure each metric is judged against


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


def _headlines(result: dict, chance: dict) -> str:
    """The verdict in words, per model variant where the repeats train different models."""
    metric = result.get("primary_metric", "")
    by_variant = result.get("summary_by_variant") or {"": result["summary"]}
    lines = [verdict.headline(metric, summary.get(metric), chance, result.get("seed_figures", {}),
                              variant) for variant, summary in by_variant.items()]
    return "".join(f"<p class='verdict {kind}'>{html.escape(text)}</p>" for text, kind in lines)


def _seed_table(seed_figures: dict, summary: dict) -> str:
    """The seed's figures on our scale: a printed percentage (57.4) divided by 100 beside our
    fractions, and said so; a range or a note as printed."""
    rows = []
    for name, value in sorted(seed_figures.items()):
        base = name.partition(" (")[0]
        mean = summary.get(base, {}).get("mean") if isinstance(summary.get(base), dict) else None
        scaled = (isinstance(value, (int, float)) and value > 1 and (mean is None or mean <= 1)
                  and base in summary)
        rows.append((name, verdict.number(value / 100) if scaled else
                     (verdict.number(value, name) if isinstance(value, (int, float)) else value),
                     f"{value}%" if scaled else ""))
    return _table(rows, ("figure", "the seed (our scale)", "printed as"))


CURVES_CAPTION = ("Training loss per epoch (and validation metrics where the run had a "
                  "validation split)")


def _figures_html(shown: dict[str, str]) -> str:
    return "".join(f"<figure><img src='{html.escape(name)}' alt='{html.escape(caption)}'>"
                   f"<figcaption>{html.escape(caption)}</figcaption></figure>"
                   for caption, name in shown.items())


def _release_links(release: dict) -> str:
    card = Path(release["path"]) / "card.html"
    name = f"{release['dataset']} {release['version']}"
    links = [f"<a href='{html.escape(card.as_uri())}'>release card ({html.escape(name)})</a>"
             if card.is_file() else "",
             "<a href='../../index.html'>every run</a>"]
    return "<nav class='links'>" + "".join(links) + "</nav>"


def write_report(run_dir: Path) -> Path:
    """Write report.html (+ PNGs) from metrics.json, metrics.jsonl and the first repeat's model."""
    run_dir = Path(run_dir)
    cfg = read_run_config(run_dir)
    result = json.loads((run_dir / "metrics.json").read_text())
    release = result["release"]
    release_path = Path(release["path"])
    figures.LABEL_TEXT.clear()
    if release_path.is_dir():
        figures.LABEL_TEXT.update(report_facts.label_display_names(release_path))
    experiment, model = load_trained(run_dir, 0)
    saved = np.load(predictions_path(run_dir, 0))
    keys = saved["__keys__"].tolist()
    outputs = {name: saved[name] for name in saved.files if name != "__keys__"}
    shown = experiment.figures(run_dir, model, outputs, keys)
    diagnosed = diagnostics.draw(run_dir, outputs, experiment, keys, release_path)
    curve = figures.curves(run_dir, result.get("primary_metric", ""))
    chance = result["chance"] if isinstance(result["chance"], dict) else result["chance"][0]
    replica = report_facts.replica_evidence(release_path) if release_path.is_dir() else None
    title = f"{cfg['experiment']}: {run_dir.name}"
    body = [
        f"<header class='page'><h1>{html.escape(title)}</h1>{_release_links(release)}"
        f"</header>",
        (f"<p class='banner'><b>Synthetic replica.</b> This run trained on a replica release, "
         f"not the real source ({html.escape(replica)}): its numbers check the pipeline, they "
         f"say nothing about the real data.</p>" if replica else ""),
        _headlines(result, chance),
        _metrics_table(result, chance),
        _other_chance(chance, {CHANCE_NAMES.get(n, n) for n in result["summary"]}),
        "<h2>The seed's figures</h2>", _seed_table(result["seed_figures"], result["summary"]),
        "<h2>What it trained on</h2>",
        _table([("dataset", release["dataset"]), ("version", release["version"]),
                ("sha256 of SHA256SUMS", release["sha256_of_SHA256SUMS"]),
                ("release path", release["path"]),
                ("samples per split", ", ".join(f"{k} {v}" for k, v in
                                                release["samples"].items())),
                ("code version", result["code_version"])], ("", "")),
        _per_class_tables(result["repeats"][0], result["summary"].get("per_class", {})),
        *([f"<h2>Training</h2>{_figures_html({CURVES_CAPTION: curve})}"] if curve else []),
        *([f"<h2>Mistakes and examples</h2>{_figures_html(diagnosed)}"] if diagnosed else []),
        *([f"<h2>Figures</h2>{_figures_html(shown)}"] if shown else []),
        "<h2>Config</h2>",
        f"<pre>{html.escape(json.dumps(cfg, indent=2, ensure_ascii=False))}</pre>",
    ]
    pages.write_stylesheet(run_dir)
    atomic.write_text(run_dir / "report.html", pages.page(title, "\n".join(body)))
    runs_index.write_index(run_dir.parent.parent)
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
