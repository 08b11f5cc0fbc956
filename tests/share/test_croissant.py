"""croissant.json validates with mlcroissant and yields the manifest's rows, offline."""
from __future__ import annotations

import json

import pandas as pd

from preprocess.release.conventions import file_digest, read_checksums


def test_croissant_validates_and_reads_the_manifest(shapes_release):
    import mlcroissant as mlc

    path = shapes_release / "croissant.json"
    assert "croissant.json" in read_checksums(shapes_release)  # written before SHA256SUMS
    doc = json.loads(path.read_text())
    assert doc["conformsTo"] == "http://mlcommons.org/croissant/1.1"
    assert (doc["name"], doc["version"]) == ("shapes", "1")
    files = {d["@id"]: d for d in doc["distribution"]}
    assert files["manifest.parquet"]["sha256"] == file_digest(shapes_release / "manifest.parquet")
    assert files["shards"]["@type"] == "cr:FileSet" and files["shards"]["includes"] == "*.tar"
    dataset = mlc.Dataset(jsonld=str(path))
    assert not dataset.metadata.issues.errors
    manifest = pd.read_parquet(shapes_release / "manifest.parquet")
    types = {f["name"]: f["dataType"] for f in doc["recordSet"][0]["field"]}
    assert list(types) == list(manifest.columns)
    assert types["key"] == "sc:Text" and types["width"] == "sc:Integer"
    records = list(dataset.records(record_set="manifest"))
    assert len(records) == len(manifest)

    def value(v):
        return v.decode() if isinstance(v, bytes) else v

    got = {value(r["manifest/key"]): r for r in records}
    for row in manifest.itertuples(index=False):
        record = got[row.key]
        assert value(record["manifest/status"]) == row.status
        assert value(record["manifest/labels"]) == row.labels
        if pd.notna(row.width):
            assert int(record["manifest/width"]) == row.width
