"""The same build on a 2-process Dask LocalCluster and in-process: byte-identical shards and manifest."""
from __future__ import annotations

import pandas as pd
import pytest

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from preprocess.shapes import generate_shapes


@pytest.mark.slow
def test_dask_build_equals_in_process_build(tmp_path, monkeypatch):
    from preprocess.release import dask_render

    real, used = dask_render.render_all, []
    monkeypatch.setattr(dask_render, "render_all",
                        lambda *a: (used.append(a[-1]), real(*a))[1])
    folder = tmp_path / "shapes"
    generate_shapes(folder, per_class=8, seed=5)
    options = FolderOptions(size=(48, 48))
    spec = folder_spec(folder, "shapes", "1", options)
    plain = build_release(spec, plan_folder(folder, "shapes", options), render_file,
                          releases_root=tmp_path / "plain", progress=False).path
    on_dask = build_release(spec, plan_folder(folder, "shapes", options), render_file,
                            releases_root=tmp_path / "dask", workers=2, dask="local",
                            progress=False).path
    assert used == ["local"]
    tars = sorted(p.name for p in plain.glob("*.tar"))
    assert len(tars) >= 8 and tars == sorted(p.name for p in on_dask.glob("*.tar"))
    for name in tars:
        assert (plain / name).read_bytes() == (on_dask / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(plain / "manifest.parquet"),
                                  pd.read_parquet(on_dask / "manifest.parquet"))
