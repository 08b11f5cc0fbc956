"""The Hugging Face dataset-card YAML header of a release README: licence, task, splits, data files
and the declared features. Declared, because `datasets` otherwise infers the types from the first
five samples and fails on a later split where a list empty at first (inferred `null`) holds text."""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import yaml

from .spec import ReleaseSpec

# the `dtype` of each JSON type seen in the samples' .json
SCALARS = {"string": "string", "int": "int64", "float": "float64", "bool": "bool"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return "string"


def _merge(a: str, b: str) -> str:
    """The type holding both kinds (a null or an empty list says nothing about the type)."""
    if a == "null" or a == b:
        return b
    if b == "null":
        return a
    if {a, b} == {"int", "float"}:
        return "float"
    return "string"


class _Shape:
    """The type of one field over every value seen: scalar kind, list item shape, dict fields."""

    def __init__(self) -> None:
        self.kind, self.item, self.fields = "null", None, {}

    def see(self, value: Any) -> None:
        kind = _kind(value)
        self.kind = _merge(self.kind, kind)
        if kind == "list":
            self.item = self.item or _Shape()
            for item in value:
                self.item.see(item)
        elif kind == "dict":
            for name, item in value.items():
                self.fields.setdefault(name, _Shape()).see(item)

    def feature(self, name: str) -> dict[str, Any]:
        if self.kind == "list":
            inner = self.item.feature(name) if self.item else {"dtype": "string"}
            inner.pop("name", None)
            if "dtype" in inner:
                return {"name": name, "sequence": inner["dtype"]}
            return {"name": name, "sequence": inner}
        if self.kind == "dict":
            return {"name": name,
                    "struct": [shape.feature(f) for f, shape in sorted(self.fields.items())]}
        return {"name": name, "dtype": SCALARS.get(self.kind, "string")}


def _size_category(n: int) -> str:
    for limit, text in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                        (1_000_000, "100K<n<1M")):
        if n < limit:
            return text
    return "1M<n<10M"


def features(spec: ReleaseSpec, metas: Iterable[Mapping[str, Any]],
             labels_json: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """The features of one webdataset sample: image, .json (typed over every sample of every
    split), .cls as a ClassLabel with the label names, .labels.json, .txt, __key__, __url__."""
    shape = _Shape()
    for meta in metas:
        shape.see(dict(meta))
    found = [{"name": spec.image_ext, "dtype": "image"}, shape.feature("json")]
    if spec.cls_label_set:
        names = list(spec.label_sets[spec.cls_label_set])
        found.append({"name": "cls", "dtype": {"class_label": {
            "names": {str(i): name for i, name in enumerate(names)}}}})
    if spec.multi_label_sets:
        found.append({"name": "labels.json", "struct": [
            {"name": name, "sequence": "int64"} for name in sorted(spec.multi_label_sets)]})
    if spec.has_text:
        found.append({"name": "txt", "dtype": "string"})
    return found + [{"name": "__key__", "dtype": "string"}, {"name": "__url__", "dtype": "string"}]


def yaml_header(spec: ReleaseSpec, metas: Iterable[Mapping[str, Any]],
                samples_per_split: Mapping[str, int]) -> str:
    """The `---`-fenced YAML block that opens README.md."""
    splits = [s for s in spec.splits if samples_per_split.get(s)]
    license_id = spec.license if spec.license and " " not in spec.license and \
        spec.license == spec.license.lower() else "other"
    header = {
        "license": license_id,
        "pretty_name": f"{spec.dataset} {spec.version}",
        "task_categories": ["image-classification"],
        "task_ids": (["multi-label-image-classification"] if spec.multi_label_sets
                     else ["multi-class-image-classification"]),
        "size_categories": [_size_category(sum(samples_per_split.values()))],
        "tags": ["webdataset", "inkset"],
        "configs": [{"config_name": "default", "data_files": [
            {"split": s, "path": f"{s}-*.tar"} for s in splits]}],
        "dataset_info": {
            "config_name": "default",
            # no `splits` here: `datasets` wants their arrow byte sizes, which only it knows;
            # the splits are the data_files of `configs` above, their counts in the card
            "features": features(spec, metas),
        },
    }
    return "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False) + "---\n"
