"""Replica releases at a chosen scale: big enough to judge whether a model learns (tests, the
demo's trainings, `inkset replicas`), small images where CPU time matters. Writes the raw store
straight from each replica's ground truth (the crawlers are tested on their own), then builds
through the stages."""
from __future__ import annotations

from pathlib import Path

from core.definitions import choose_dataset, datasets_of
from core.errors import UsageError
from core.paths import work_dirs
from preprocess.gcd.datasets import plan as gcd_plan, render as gcd_render
from preprocess.gcd.labels import slug
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.teams import load_names
from preprocess.manga109.datasets import plan as manga109_plan, render as manga109_render
from preprocess.manga109.options import Manga109Options
from preprocess.pixiv.datasets import plan as pixiv_plan, render as pixiv_render
from preprocess.pixiv.options import PixivOptions
from preprocess.release import build_release
from replicas import gcd as gcd_replica
from replicas import pixiv as pixiv_replica
from replicas.manga109 import ensure_release, full_size_layout, generate_release

# The replica's titles are not in the Yanagisawa lists: faces split by title hash, as in the demo.
# Its pages are drawn from a few layouts per title: at the training scales near-duplicate links
# chain them into one group (x10 pages grouped: 12 of 1,286 samples in test, against 288 by
# image), so the training replicas split by image and report, as the GCD and Pixiv ones do
# (docs/near_duplicates.md); the demo's own releases (flows/manga109.py) keep "group".
MANGA109_DEFAULTS = {"manga109-faces": {"split": "title_hash", "test_fraction": 0.3},
                     "manga109-artist-pages": {"near_duplicate_splits": "report"},
                     "manga109-artist-panels": {"near_duplicate_splits": "report"}}


def gcd_teams() -> dict[str, tuple[str, str]]:
    """`<definition>-<team slug>` -> (definition, team): the one release per team of each GCD
    definition of kind team (gcd-team-justice-league ...: the `teams` of gcd-team.toml)."""
    teams = {}
    for name in datasets_of("gcd", variants=True):
        options = GcdOptions.load(name)
        if options.kind == "team":
            teams.update({f"{options.dataset}-{slug(team)}": (name, team)
                          for team in options.teams})
    return teams


def replica_datasets() -> dict[str, str]:
    """dataset -> source, for what a replica release can be built of: the Manga109 and Pixiv
    definitions (variants too) and the GCD team releases."""
    return {**dict.fromkeys(datasets_of("manga109", variants=True), "manga109"),
            **dict.fromkeys(datasets_of("pixiv", variants=True), "pixiv"),
            **dict.fromkeys(gcd_teams(), "gcd")}


def full_size_manga109(root: Path, fraction: float = 1.0) -> Path:
    """The Manga109-sized replica (`full_size_layout`: 109 titles, 10,602 images, ~116k faces
    at fraction 1) at `root`, generated once; a marker written last says it is whole."""
    marker = root / ".complete"
    if not marker.exists():
        generate_release(root, layout=full_size_layout(fraction))
        marker.write_text("generated\n")
    return root


def scaled_release(name: str, *, scale: int | str, home: Path | None = None, workers: int = 2,
                   progress: bool = False, full_fraction: float = 1.0, **options) -> Path:
    """Build `name` from a replica `scale` times the demo's size into `home`/releases/; scale
    "full" (Manga109 datasets only): the Manga109-sized replica, or `full_fraction` of its
    images per title (benchmarks on small machines)."""
    dirs = work_dirs(home)
    known = replica_datasets()
    source = known[choose_dataset(name, known)]
    if scale == "full" and source != "manga109":
        raise UsageError(f"--scale full: only the Manga109 datasets have a full-size replica, "
                         f"not {name}; give a number")
    if source == "manga109" and scale == "full":
        suffix = "" if full_fraction == 1 else f"-{full_fraction:g}"
        root = full_size_manga109(dirs.cache / f"manga109-replica-full{suffix}", full_fraction)
    if source == "manga109":
        if scale != "full":
            root = dirs.cache / f"manga109-replica-x{scale}"
            ensure_release(root, titles=9, spreads=8 * scale)
        spec, items = manga109_plan(
            root, Manga109Options.load(name, **{**MANGA109_DEFAULTS.get(name, {}), **options}),
            cache_dir=dirs.cache)
        render = manga109_render
    elif source == "pixiv":
        raw = dirs.raw
        if not (raw / "pixiv" / "illusts.parquet").exists():
            # nine artists, as in the seed's 9-way study; 12 works per artist per unit of scale
            truth = pixiv_replica.generate_truth(artists=9, works_per_artist=12 * scale)
            pixiv_replica.write_raw_store(truth, raw)
        spec, items = pixiv_plan(raw, PixivOptions.load(name, **options))
        render = pixiv_render
    else:
        definition, team = gcd_teams()[name]
        raw = dirs.raw / "gcd"
        if not (raw / "issues.parquet").exists():
            truth = gcd_replica.generate_truth(publishers=2, series_per_publisher=5 * scale,
                                               issues_per_series=6 * 2, seed=0)
            gcd_replica.write_raw_store(truth, raw)
        spec, items = gcd_plan(raw, GcdOptions.load(definition, **options), load_names(), team)
        render = gcd_render
    result = build_release(spec, items, render, releases_root=dirs.releases, workers=workers,
                           progress=progress)
    return result.path
