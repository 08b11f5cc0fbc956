"""Refresh benchmark: a no-change refresh against the full first crawl + build of the same replicas
(goal: under 10% of its wall time) and the image bytes it downloads (goal: 0)."""
from __future__ import annotations

import os
import tempfile
import time

# Realistic sizes, not the demo's toys: Pixiv 9 artists (the seed study's 9-way artist
# classification) x 200 works (data_manifests/pixiv-crawl.toml's cap per artist), GCD 2
# publishers x 10 series x 30 issues (600 issues; a real publisher has thousands), Manga109 at
# the demo's size. A no-change refresh has fixed costs (a crawl process per site, listings,
# plans), so the ratio falls as the first crawl grows.
REPLICA = {"artists": 9, "works": 200, "series_per_publisher": 10, "issues_per_series": 30}


def _phases(result: dict) -> str:
    return ", ".join(f"{source} crawl {t['crawl']:.1f} s + build {t['build']:.1f} s"
                     for source, t in result["seconds"].items())


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["INKSET_HOME"] = home
        os.environ["INKSET_TAKEDOWNS"] = os.path.join(home, "takedowns.toml")
        from flows import environment
        environment.configure(home)
        from prefect import flow

        from flows.refresh import refresh_flow

        flow(name="warm-up")(lambda: None)()  # the ephemeral server starts outside the timings
        started = time.perf_counter()
        first = refresh_flow(workers=2, replica=REPLICA)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = refresh_flow(workers=2, replica=REPLICA)
        again_s = time.perf_counter() - started
    requests = {s: c.get("downloader/request_count", 0) for s, c in again["crawls"].items()}
    print(f"refresh first (full crawl + build, all sources; replicas at a realistic size: pixiv "
          f"9 artists x 200 works, gcd 600 issues, manga109 demo) wall s: {first_s:.1f}")
    print(f"refresh no-change wall s: {again_s:.1f}")
    print(f"refresh no-change / first ratio: {again_s / first_s:.3f} (goal < 0.10)")
    print(f"refresh no-change image bytes downloaded: {again['image_bytes']}")
    print(f"# first: {len(first['new'])} new versions, {first['image_bytes']} image bytes; "
          f"{_phases(first)}")
    print(f"# no-change: {len(again['new'])} new versions; {_phases(again)}; requests {requests}")


if __name__ == "__main__":
    main()
