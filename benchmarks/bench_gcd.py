"""GCD figures: issue pages parsed/s, and covers/s from URLs to 200x300 shards, inkset vs img2dataset.

Both download the same covers from the loopback replica (politeness lifted: loopback only) on the
same 2 cores into WebDataset shards of 200x300 images. inkset's path is its real one: the Scrapy
crawl (issue pages + covers, a subprocess) then the release writer (2 render workers).
img2dataset runs in its own venv (it pins an old webdataset); when it cannot be installed the
comparison is skipped with the reason.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

from core.paths import work_dirs
from preprocess.gcd.datasets import plan, render
from preprocess.gcd.options import GcdOptions
from preprocess.gcd.teams import load_names
from preprocess.release import build_release
from replicas.gcd import GcdReplica, generate_truth, issue_html
from spiders.gcd.crawl import GcdCrawlOptions, run_crawl
from spiders.gcd.pages import parse_issue_page

ISSUES = dict(publishers=2, series_per_publisher=5, issues_per_series=30)  # 300 covers
LIFTED = {"CONCURRENT_REQUESTS": "32", "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
          "LOG_LEVEL": "WARNING"}


def parse_rate(truth, site) -> float:
    pages = []
    for issue in truth.issues.values():
        series, publisher = truth.series[issue.series_id]
        pages.append((issue_html(issue, series, truth.publishers[publisher],
                                 site.cover_url(issue, 200)), f"{site.base}/issue/{issue.issue_id}/"))
    started = time.perf_counter()
    for html, url in pages:
        parse_issue_page(html, url)
    return len(pages) / (time.perf_counter() - started)


def inkset_rate(truth, site, home: Path) -> tuple[float, int, float, float]:
    """Covers/s from the crawl's start to the finished release; also each phase's seconds."""
    options = GcdCrawlOptions.load(publishers=list(truth.publishers), profile="fast-loopback")
    started = time.perf_counter()
    stats = run_crawl(options, site.base, home=str(home), settings=LIFTED)
    crawled = time.perf_counter()
    spec, items = plan(home / "data/raw/gcd", GcdOptions.load("gcd-covers"), load_names())
    result = build_release(spec, items, render, releases_root=home / "releases", workers=2,
                           progress=False)
    done = time.perf_counter()
    return result.samples() / (done - started), result.samples(), crawled - started, \
        done - crawled, stats.get("downloader/request_count", 0)


def img2dataset_bin(root: Path) -> tuple[Path | None, str]:
    """img2dataset in its own venv under the work dir cache (installed once)."""
    if os.environ.get("INKSET_IMG2DATASET"):  # an img2dataset binary installed elsewhere
        return Path(os.environ["INKSET_IMG2DATASET"]), ""
    env_dir = root / "img2dataset-venv"
    binary = env_dir / "bin" / "img2dataset"
    if binary.exists():
        return binary, ""
    try:
        venv.create(env_dir, with_pip=True)
        subprocess.run([str(env_dir / "bin/pip"), "install", "-q", "img2dataset"], check=True,
                       capture_output=True, text=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return None, f"img2dataset could not be installed: {detail.strip()[-300:]}"
    return binary, ""


def img2dataset_rate(binary: Path, urls: list[str], out: Path) -> tuple[float, int]:
    url_list = out / "urls.txt"
    out.mkdir(parents=True, exist_ok=True)
    url_list.write_text("\n".join(urls) + "\n")
    started = time.perf_counter()
    subprocess.run([str(binary), "--url_list", str(url_list), "--output_folder",
                    str(out / "shards"), "--output_format", "webdataset", "--image_size", "200",
                    "--resize_mode", "keep_ratio", "--processes_count", "2",
                    "--thread_count", "16", "--number_sample_per_shard", "1000",
                    "--disallowed_header_directives", "[]"],
                   check=True, capture_output=True, text=True, timeout=900,
                   env={**os.environ, "no_proxy": "127.0.0.1"})
    elapsed = time.perf_counter() - started
    count = sum(json.loads(p.read_text()).get("successes", 0)
                for p in (out / "shards").glob("*_stats.json"))
    return count / elapsed, count


def main() -> None:
    truth = generate_truth(**ISSUES)
    with GcdReplica(truth) as site, tempfile.TemporaryDirectory() as tmp:
        for issue in truth.issues.values():  # draw every cover before any clock starts
            site.cover_bytes(issue.cover_id)
        print(f"gcd issue pages parsed/s per core: {parse_rate(truth, site):.1f}")
        ours, count, crawl, shards, requests = inkset_rate(truth, site, Path(tmp) / "inkset")
        print(f"gcd inkset crawl->shards covers/s: {ours:.1f} ({count} covers; issue pages "
              f"fetched too; crawl {crawl:.1f} s, shards {shards:.1f} s)")
        # inkset makes about two requests per cover (its issue page, then the cover) where
        # img2dataset makes one: the per-request rate of the crawl phase, for comparison
        print(f"gcd inkset crawl requests/s (pages + covers, subprocess start included): "
              f"{requests / crawl:.1f}")
        binary, reason = img2dataset_bin(work_dirs().cache / "bench")
        if binary is None:
            print(f"gcd img2dataset covers/s: skipped ({reason})")
            return
        urls = [site.cover_url(i) for i in sorted(truth.issues.values(), key=lambda i: i.issue_id)]
        theirs, count = img2dataset_rate(binary, urls, Path(tmp) / "img2dataset")
        print(f"gcd img2dataset covers/s: {theirs:.1f} ({count} covers)")
        print(f"gcd inkset / img2dataset (goal >= 1.5): {ours / theirs:.2f}")


if __name__ == "__main__":
    sys.exit(main())
