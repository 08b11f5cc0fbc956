"""Stage datasets on Dask: `--dask` reaches build_release, and a 2-process LocalCluster build of
a Manga109 dataset is byte-identical to the in-process build."""
from __future__ import annotations

import pandas as pd
import pytest

from flows.cli import build_parser


@pytest.mark.parametrize("argv, expected", [
    (["manga109"], None), (["manga109", "--dask"], "local"),
    (["gcd", "--dask", "tcp://10.0.0.5:8786"], "tcp://10.0.0.5:8786"),
    (["pixiv", "--dask", "local"], "local")])
def test_dataset_commands_take_dask(argv, expected):
    assert build_parser().parse_args(argv).dask == expected


@pytest.mark.slow
def test_manga109_dataset_on_dask_equals_in_process(tmp_path, monkeypatch, dask_calls,
                                                    assert_same_release):
    from flows.manga109 import build_dataset
    from replicas.manga109 import generate_release

    root = tmp_path / "root"
    generate_release(root, titles=9, spreads=2)
    paths = {}
    for mode in (None, "local"):
        monkeypatch.setenv("INKSET_HOME", str(tmp_path / str(mode)))
        paths[mode] = build_dataset.fn(str(root), "manga109-artist-pages", {}, 2, None, mode)
    assert dask_calls == ["local"]
    plain, on_dask = (tmp_path / str(m) / paths[m] for m in (None, "local"))
    assert len(pd.read_parquet(plain / "manifest.parquet")) > 10
    assert_same_release(plain, on_dask)
