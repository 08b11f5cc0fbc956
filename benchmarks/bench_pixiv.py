"""Pixiv stage benchmark: crawl -> shards images/s on the replica, and the polite profile's waiting."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from core.paths import work_dirs
from preprocess.pixiv.datasets import plan, render
from preprocess.pixiv.options import PixivOptions
from preprocess.release import build_release
from replicas.pixiv import PixivReplica, generate_truth
from spiders.pixiv.crawl import CrawlOptions, run_crawl


def crawl(truth, home: Path, profile: str) -> tuple[float, dict]:
    options = CrawlOptions(users=tuple(truth.artists), profile=profile)
    with PixivReplica(truth) as site:
        started = time.perf_counter()
        stats = run_crawl(options, f"{site.api_base}/ajax", home=str(home),
                          settings={"LOG_LEVEL": "WARNING"})
    return time.perf_counter() - started, stats


def crawl_to_shards(home: Path) -> None:
    truth = generate_truth(artists=4, works_per_artist=120, seed=7)
    crawl_s, stats = crawl(truth, home, "fast-loopback")
    images = stats["pixiv/images_downloaded"]
    spec, items = plan(work_dirs(home).raw, PixivOptions.load("pixiv-artists"))
    started = time.perf_counter()
    result = build_release(spec, items, render, releases_root=work_dirs(home).releases,
                           workers=2, progress=False)
    build_s = time.perf_counter() - started
    print(f"pixiv crawl (fast-loopback) images/s: {images / crawl_s:.1f}")
    print(f"pixiv shards (pixiv-artists 500x500, 2 workers) images/s: {images / build_s:.1f}")
    print(f"pixiv crawl->shards images/s: {images / (crawl_s + build_s):.1f}")
    print(f"# {images} images crawled, {result.samples()} samples written")


def polite_share(root: Path) -> None:
    """Same small crawl twice: the polite profile's extra time is waiting, the fast one's is work."""
    truth = generate_truth(artists=1, works_per_artist=8, seed=11)
    polite_s, stats = crawl(truth, root / "polite", "polite")
    fast_s, _ = crawl(truth, root / "fast", "fast-loopback")
    requests = stats.get("downloader/request_count", 0)
    print(f"pixiv polite crawl requests/s: {requests / polite_s:.2f}")
    print(f"pixiv polite crawl share of time waiting: {max(0.0, 1 - fast_s / polite_s):.2f}")
    print(f"# {requests} requests: polite {polite_s:.1f} s, the same crawl fast {fast_s:.1f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        crawl_to_shards(Path(tmp) / "throughput")
        polite_share(Path(tmp))


if __name__ == "__main__":
    main()
