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
def test_manga109_dataset_on_dask_equals_in_process(tmp_path, monkeypatch):
    from flows.manga109 import build_dataset
    from preprocess.manga109.synthetic import generate_release
    from preprocess.release import dask_render

    real, used = dask_render.render_all, []
    monkeypatch.setattr(dask_render, "render_all",
                        lambda *a: (used.append(a[-1]), real(*a))[1])
    root = tmp_path / "root"
    generate_release(root, titles=9, spreads=2)
    paths = {}
    for mode in (None, "local"):
        monkeypatch.setenv("INKSET_HOME", str(tmp_path / str(mode)))
        paths[mode] = build_dataset.fn(str(root), "manga109-artist-pages", {}, 2, None, mode)
    assert used == ["local"]
    plain, on_dask = (tmp_path / str(m) / paths[m] for m in (None, "local"))
    tars = sorted(p.name for p in plain.glob("*.tar"))
    assert tars and tars == sorted(p.name for p in on_dask.glob("*.tar"))
    for name in tars:
        assert (plain / name).read_bytes() == (on_dask / name).read_bytes(), name
    manifest = pd.read_parquet(plain / "manifest.parquet")
    assert len(manifest) > 10
    pd.testing.assert_frame_equal(manifest, pd.read_parquet(on_dask / "manifest.parquet"))
