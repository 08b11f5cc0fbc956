"""Metadata-only GCD and Pixiv releases round-trip through S3 and `inkset rebuild` to the same shards."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from preprocess.release import build_release
from preprocess.release.verify import verify_release
from share import remote
from share.download.rebuild import rebuild
from share.publish import export_metadata_only


def same_shards(original: Path, rebuilt: Path) -> list[str]:
    names = sorted(p.name for p in original.glob("*.tar"))
    assert names == sorted(p.name for p in rebuilt.glob("*.tar"))
    for name in names:
        assert (original / name).read_bytes() == (rebuilt / name).read_bytes(), name
    return names


@pytest.fixture(scope="module")
def gcd(tmp_path_factory):
    """A gcd-covers release whose cover URLs point at a running loopback GCD image host."""
    from preprocess.gcd.datasets import plan, render
    from preprocess.gcd.options import GcdOptions
    from preprocess.gcd.teams import load_names
    from replicas.gcd import GcdReplica, generate_truth, write_raw_store

    truth = generate_truth(publishers=1, series_per_publisher=3, issues_per_series=6)
    root = tmp_path_factory.mktemp("gcd")
    raw = root / "raw" / "gcd"
    with GcdReplica(truth) as site:
        write_raw_store(truth, raw)
        rows = pd.read_parquet(raw / "issues.parquet")
        rows["cover_url"] = rows["cover_url"].str.replace("https://files1.comics.org",
                                                          site.image_base)
        rows.to_parquet(raw / "issues.parquet", index=False)
        spec, items = plan(raw, GcdOptions.load("gcd-covers", min_label_covers=1), load_names())
        release = build_release(spec, items, render, releases_root=root / "releases",
                                progress=False).path
        yield release, export_metadata_only(release, root / "meta"), site


def test_gcd_round_trips_through_s3_to_identical_shards(gcd, bucket, tmp_path):
    release, meta, site = gcd
    remote.publish_to(meta, f"{bucket}/gcd-covers/1")
    result = rebuild(f"{bucket}/gcd-covers/1", tmp_path / "rebuilt", allow_private=True)
    assert len(same_shards(release, result.path)) >= 3
    assert result.statuses["success"] == json.loads((release / "dataset.json").read_text())[
        "counts"]["train"]["success"] + sum(
        c.get("success", 0) for s, c in json.loads((release / "dataset.json").read_text())[
            "counts"].items() if s != "train")
    assert verify_release(result.path) == verify_release(release)
    agents = {e["user_agent"] for e in site.log if e["role"] == "images"}
    assert agents and all(a.startswith("inkset/") for a in agents)


def test_changed_and_gone_sources_are_reported(gcd, tmp_path):
    release, meta, site = gcd
    copy = tmp_path / "meta"
    copy.mkdir()
    for path in meta.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    manifest = pd.read_parquet(copy / "manifest.parquet")
    kept = manifest[manifest["status"] == "success"].sort_values("key")
    changed, gone = kept["key"].iloc[0], kept["key"].iloc[1]
    manifest.loc[manifest["key"] == changed, "sha256"] = "0" * 64
    ids = json.loads(kept["source_ids"].iloc[1])
    ids["cover_url"] = ids["cover_url"].replace(f"/{ids['cover_id']}.jpg", "/999999.jpg")
    manifest.loc[manifest["key"] == gone, "source_ids"] = json.dumps(ids, sort_keys=True)
    manifest.to_parquet(copy / "manifest.parquet", index=False)
    result = rebuild(str(copy), tmp_path / "rebuilt", allow_private=True)
    out = pd.read_parquet(result.path / "manifest.parquet").set_index("key")
    assert out.at[changed, "status"] == "changed" and out.at[gone, "status"] == "gone"
    assert "sha256" in out.at[changed, "error_message"] and out.at[gone, "error_message"] == \
        "http_404"
    assert result.statuses["success"] == len(kept) - 2
    assert verify_release(result.path)  # still a complete, consistent release


@pytest.mark.slow
def test_pixiv_quadrants_round_trip_through_s3(bucket, tmp_path):
    from preprocess.pixiv.datasets import plan, render
    from preprocess.pixiv.options import PixivOptions
    from replicas.pixiv import PixivReplica, generate_truth, write_raw_store

    truth = generate_truth(artists=2, works_per_artist=5, seed=2)
    with PixivReplica(truth) as site:
        write_raw_store(truth, tmp_path / "raw", image_base=site.image_base)
        spec, items = plan(tmp_path / "raw", PixivOptions.load("pixiv-artists-quadrants"))
        release = build_release(spec, items, render, releases_root=tmp_path / "releases",
                                progress=False).path
        meta = export_metadata_only(release, tmp_path / "meta")
        remote.publish_to(meta, f"{bucket}/pixiv/1")
        result = rebuild(f"{bucket}/pixiv/1", tmp_path / "rebuilt", allow_private=True)
        image_requests = [e for e in site.log if e["role"] == "images"]
    assert same_shards(release, result.path)
    assert all(e["referer"] == "https://www.pixiv.net/" for e in image_requests)
    pages = {json.loads(s)["url"] for s in pd.read_parquet(meta / "manifest.parquet")
             .query("status == 'success'")["source_ids"]}
    assert len(image_requests) == len(pages)  # one download per page, quadrants share it


def test_rebuild_command(gcd, tmp_path):
    import subprocess
    import sys

    release, meta, site = gcd
    result = subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", str(meta), "--out",
                             str(tmp_path / "cli"), "--allow-private"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "rebuilt" in result.stdout and "success=" in result.stdout
    same_shards(release, tmp_path / "cli")
    missing = subprocess.run([sys.executable, "-m", "flows.cli", "rebuild", str(tmp_path / "no")],
                             capture_output=True, text=True, timeout=300)
    assert missing.returncode != 0 and "Traceback" not in missing.stderr
