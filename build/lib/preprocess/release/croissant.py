"""croissant.json: the release described in MLCommons Croissant 1.1 (what dataset search and loaders read)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from core import atomic

from . import conventions
from .spec import ReleaseSpec

CROISSANT_FILE = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
# the @context mlcroissant 1.1.x writes itself (Metadata.to_json), so every reader agrees on it
CONTEXT = {
    "@language": "en", "@vocab": "https://schema.org/", "citeAs": "cr:citeAs",
    "column": "cr:column", "conformsTo": "dct:conformsTo", "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/", "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"}, "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract",
    "field": "cr:field", "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet", "format": "cr:format", "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath", "key": "cr:key",
    "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path",
    "recordSet": "cr:recordSet", "references": "cr:references", "regex": "cr:regex",
    "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source",
    "subField": "cr:subField", "transform": "cr:transform",
}


def data_type(dtype) -> str:
    """The schema.org type of a manifest column."""
    if pd.api.types.is_bool_dtype(dtype):
        return "sc:Boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "sc:Integer"
    if pd.api.types.is_float_dtype(dtype):
        return "sc:Float"
    return "sc:Text"  # strings, and JSON-encoded labels / source ids


def citation(spec: ReleaseSpec, version: str) -> str:
    credit = f" {spec.attribution}." if spec.attribution else ""
    return (f"{spec.dataset}, version {version}, built with inkset from "
            f"{', '.join(sorted(spec.source_snapshot)) or 'its sources'}.{credit}")


def write_croissant(release_dir: Path, spec: ReleaseSpec, manifest: pd.DataFrame) -> None:
    """Describe the shards (a FileSet), the manifest (a FileObject) and its columns (a RecordSet).

    Written after manifest.parquet (its sha256 is recorded here) and before SHA256SUMS.
    """
    manifest_sha = conventions.file_digest(release_dir / "manifest.parquet")
    fields = [{"@type": "cr:Field", "@id": f"manifest/{column}", "name": column,
               "dataType": data_type(manifest[column].dtype),
               "source": {"fileObject": {"@id": "manifest.parquet"},
                          "extract": {"column": column}}}
              for column in manifest.columns]
    doc = {
        "@context": CONTEXT, "@type": "sc:Dataset", "name": spec.dataset,
        "description": spec.description or f"{spec.dataset}: WebDataset shards built by inkset",
        "conformsTo": CONFORMS_TO, "citeAs": citation(spec, spec.version),
        "license": spec.license or "unspecified", "version": spec.version,
        "datePublished": dt.date.today().isoformat(),
        "url": f"https://example.invalid/inkset/{spec.dataset}/{spec.version}",
        "distribution": [
            {"@type": "cr:FileObject", "@id": "manifest.parquet", "name": "manifest.parquet",
             "contentUrl": "manifest.parquet", "encodingFormat": "application/x-parquet",
             "sha256": manifest_sha},
            {"@type": "cr:FileSet", "@id": "shards", "name": "shards",
             "description": "WebDataset shards: <split>-NNNNNN.tar, one sample per key",
             "encodingFormat": "application/x-tar", "includes": "*.tar"},
        ],
        "recordSet": [{"@type": "cr:RecordSet", "@id": "manifest", "name": "manifest",
                       "description": "one row per input item, kept or not",
                       "key": {"@id": "manifest/key"}, "field": fields}],
    }
    atomic.write_json(release_dir / CROISSANT_FILE, doc)
