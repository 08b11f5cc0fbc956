"""The same build on a 2-process Dask LocalCluster and in-process: byte-identical shards and manifest."""
from __future__ import annotations

import pytest

from preprocess.image_folder import FolderOptions, folder_spec, plan_folder, render_file
from preprocess.release import build_release
from replicas.shapes import generate_shapes


@pytest.mark.slow
def test_dask_build_equals_in_process_build(tmp_path, dask_calls, assert_same_release):
    folder = tmp_path / "shapes"
    generate_shapes(folder, per_class=8, seed=5)
    options = FolderOptions(size=(48, 48))
    spec = folder_spec(folder, "shapes", "1", options)
    plain = build_release(spec, plan_folder(folder, "shapes", options), render_file,
                          releases_root=tmp_path / "plain", progress=False).path
    on_dask = build_release(spec, plan_folder(folder, "shapes", options), render_file,
                            releases_root=tmp_path / "dask", workers=2, dask="local",
                            progress=False).path
    assert dask_calls == ["local"]
    assert_same_release(plain, on_dask, min_shards=8)
