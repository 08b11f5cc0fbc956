"""The one-line summary and the report's metrics table: chance beside every metric that has one,
one column per model variant (never a mean over different models)."""
from __future__ import annotations

import json

from training.report import _is_test, _metrics_table, chance_of, seed_of, summary_line


def spread(mean, n=1):
    return {"mean": mean, "std": 0.0, "n": n}


def test_chance_of_takes_a_named_baseline_else_the_same_name():
    chance = {"majority_accuracy": 0.3, "rank1": 0.167}
    assert chance_of(chance, "accuracy") == 0.3
    assert chance_of(chance, "rank1") == 0.167
    assert chance_of(chance, "ari_clustered") == ""
    # a p-value goes to the significance table; "map_general" holds "p_" but is no p-value
    assert [_is_test(n) for n in ("p_hash_neighbours_permutation", "binomial_p_vs_majority",
                                  "map_general", "rank1")] == [True, True, False, False]


def test_summary_line_per_variant_beside_chance(tmp_path):
    result = {"experiment": "manga-mmtl", "primary_metric": "rank1",
              "summary": {"rank1": spread(0.9)},
              "summary_by_variant": {"M5": {"rank1": spread(0.9)},
                                     "M1": {"rank1": spread(0.75)}},
              "chance": [{"rank1": 0.1667}, {"rank1": 0.1667}]}
    (tmp_path / "metrics.json").write_text(json.dumps(result))
    assert summary_line(str(tmp_path)) == (
        "manga-mmtl: test rank1 M5 0.900 ± 0.000 (n=1), M1 0.750 ± 0.000 (n=1) vs chance 0.167")
    result = {"experiment": "illust2vec", "primary_metric": "map_general",
              "summary": {"map_general": spread(0.42)}, "chance": {"map_general": 0.15}}
    (tmp_path / "metrics.json").write_text(json.dumps(result))
    assert summary_line(str(tmp_path)) == (
        "illust2vec: test map_general 0.420 ± 0.000 (n=1) vs chance 0.150")


def test_report_table_has_a_column_per_variant_the_chance_and_the_seed():
    result = {"summary": {"rank1": spread(0.9)},
              "summary_by_variant": {"M5": {"rank1": spread(0.9), "ari": spread(0.8)},
                                     "M1": {"rank1": spread(0.75), "ari": spread(0.7)}},
              "seed_figures": {"rank1 (best)": 85.78, "ari (M5)": 0.5443, "ari_x": 1.0}}
    page = _metrics_table(result, {"rank1": 0.1667, "ari": 0.0})
    assert "<th>M5</th><th>M1</th>" in page
    assert ("<tr><td>rank1</td><td>0.9000 ± 0.0000 (n=1)</td><td>0.7500 ± 0.0000 (n=1)</td>"
            "<td>0.1667</td><td>0.8578 (best; 85.78% printed)</td></tr>") in page
    assert ("<tr><td>ari</td><td>0.8000 ± 0.0000 (n=1)</td><td>0.7000 ± 0.0000 (n=1)</td>"
            "<td>0.0000</td><td>0.5443 (M5)</td></tr>") in page


def test_seed_figures_in_our_units():
    seed = {"macro_f1 (pages)": 0.84, "macro_f1 (panels)": "0.48-0.50", "map (best)": 43.17}
    assert seed_of(seed, "macro_f1", spread(0.5)) == "0.84 (pages); 0.48-0.50 (panels)"
    assert seed_of(seed, "map", 0.3) == "0.4317 (best; 43.17% printed)"
    assert seed_of(seed, "queries", 180.0) == ""
