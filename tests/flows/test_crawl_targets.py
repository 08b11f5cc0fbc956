"""Crawl targets mean what they say: ids given replace the manifest's (--add joins them), and
--plan says what would be fetched, and how politely, without a single request."""
from __future__ import annotations

import argparse
import shutil

import pytest

from spiders.gcd.crawl import GcdCrawlOptions


def parse(register, argv):
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="stage"))
    return parser.parse_args(argv)


def test_ids_given_replace_the_manifest_targets():
    assert GcdCrawlOptions.load().publishers == (54,)  # data_manifests/gcd-crawl.toml: all DC
    only = GcdCrawlOptions.load(issues=[21497])
    assert (only.publishers, only.series, only.issues) == ((), (), (21497,))
    both = GcdCrawlOptions.load(issues=[21497], series=[7], add=True)
    assert (both.publishers, both.series, both.issues) == ((54,), (7,), (21497,))
    assert GcdCrawlOptions.load(publishers=[54, 78], add=True).publishers == (54, 78)


def test_gcd_plan_fetches_nothing(tmp_path, monkeypatch, capsys):
    import flows.gcd
    from replicas.gcd import GcdReplica, generate_truth

    monkeypatch.setenv("INKSET_HOME", str(tmp_path))
    with GcdReplica(generate_truth(publishers=1, series_per_publisher=1,
                                   issues_per_series=2)) as site:
        monkeypatch.setattr(flows.gcd, "SITE", site.base)
        args = parse(flows.gcd.register, ["crawl-gcd", "--source", "live", "--issues", "21497",
                                          "--max-issues", "3", "--plan"])
        assert args.func(args) == 0
        assert site.log == []
    plan = capsys.readouterr().out
    for line in (f"site:                   {site.base}", "publishers:             (none)",
                 "issues:                 21497", "max new issues:         3",
                 f"rows:                   {tmp_path / 'data/raw/gcd/issues.parquet'}",
                 "DOWNLOAD_DELAY:                   5.0", "ROBOTSTXT_OBEY:                   True"):
        assert line in plan, plan
    assert list(tmp_path.iterdir()) == []  # no crawl ran: no raw store, no runs/, no JOBDIR


def test_pixiv_users_given_replace_users_txt_and_add_joins_them(tmp_path, monkeypatch, capsys):
    import flows.pixiv
    from core.definitions import manifests_dir
    from replicas.pixiv import PixivReplica, generate_truth

    shutil.copytree(manifests_dir(), tmp_path / "defs")
    (tmp_path / "defs" / "pixiv" / "users.txt").write_text("11\n22  # an artist\n")
    monkeypatch.setenv("INKSET_MANIFESTS", str(tmp_path / "defs"))
    monkeypatch.setenv("INKSET_HOME", str(tmp_path / "home"))
    with PixivReplica(generate_truth(artists=1, works_per_artist=1)) as site:
        monkeypatch.setattr(flows.pixiv, "AJAX", f"{site.api_base}/ajax")
        live = ["crawl-pixiv", "--source", "live", "--i-have-permission", "--plan"]
        for extra, users in (([], "11, 22"), (["--users", "33"], "33"),
                             (["--users", "33,11", "--add"], "11, 22, 33")):
            args = parse(flows.pixiv.register, live + extra)
            assert args.func(args) == 0
            plan = capsys.readouterr().out
            assert f"users:                  {users}\n" in plan, plan
            assert f"api:                    {site.api_base}/ajax" in plan
        assert site.log == []
    assert not (tmp_path / "home").exists()


def test_add_without_ids_is_a_usage_error():
    import flows.gcd
    from core.errors import UsageError

    args = parse(flows.gcd.register, ["crawl-gcd", "--add", "--plan"])
    with pytest.raises(UsageError, match="--add joins the ids you give"):
        args.func(args)
