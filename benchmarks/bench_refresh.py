"""Refresh benchmark: a no-change refresh against the full first crawl + build of the same replicas
(goal: under 10% of its wall time) and the image bytes it downloads (goal: 0)."""
from __future__ import annotations

import os
import tempfile
import time

# the Pixiv replica of bench_pixiv (4 artists x 120 works); GCD and Manga109 at their demo sizes.
# A no-change refresh has fixed costs (two crawl processes, Prefect bookkeeping, listings),
# so the ratio falls as the first crawl grows.
PIXIV = {"artists": 4, "works": 120}


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
        first = refresh_flow(workers=2, replica=PIXIV)
        first_s = time.perf_counter() - started
        started = time.perf_counter()
        again = refresh_flow(workers=2, replica=PIXIV)
        again_s = time.perf_counter() - started
    print(f"refresh first (full crawl + build, all sources, pixiv 4x120) wall s: {first_s:.1f}")
    print(f"refresh no-change wall s: {again_s:.1f}")
    print(f"refresh no-change / first ratio: {again_s / first_s:.3f} (goal < 0.10)")
    print(f"refresh no-change image bytes downloaded: {again['image_bytes']}")
    print(f"# first: {len(first['new'])} new versions, {first['image_bytes']} image bytes; "
          f"no-change: {len(again['new'])} new versions")


if __name__ == "__main__":
    main()
