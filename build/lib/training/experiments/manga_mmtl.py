"""Manga-MMTL on manga109-faces: face image + frame text, models M1..M5 (one per repeat), retrieval
across test titles (CMC rank-1/5, mAP) and per-title UMAP + HDBSCAN clustering."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from training.data import image_array, seed_for
from training.embeddings import clustering, retrieval
from training.models_embedding import VARIANTS, MangaMMTLNet, TextEncoder, resnet_trunk
from training.text import HFTextEncoder, Tokenizer, build_vocabulary, hf_encode

from .base import Experiment


class MangaMMTL(Experiment):
    image_mode = "RGB"
    # early stopping and model selection: mAP ranks the whole list, so it still moves after
    # rank-1 saturates (on easy held-out titles it does from the first epoch)
    primary_metric = "map"
    needs_setup = True
    chance_metrics = ("rank1", "rank5", "map", "ari")
    seed_figures = {"rank1 (best multimodal)": 85.78, "rank5 (best multimodal)": 94.65,
                    "map (best multimodal)": 43.17, "ari (M5)": 0.5443, "ami (M5)": 0.6621,
                    "v_measure (M5)": 0.6765}
    # the release has no validation split: whole training titles are held out instead
    # (val_keys), as the test titles are unseen too
    val_splits = ()

    def release_problems(self) -> list[str]:
        problems = super().release_problems()
        if self.release.cls_label_set != "character":
            problems.append(f"no single-label set 'character' (its .cls is "
                            f"{self.release.cls_label_set or 'absent'})")
        if self.release.members and "txt" not in self.release.members:
            problems.append("no frame text (.txt member)")
        return problems

    @property
    def variant(self) -> str:
        variants = self.cfg["model"]["variants"]
        return variants[getattr(self, "repeat", 0) % len(variants)]

    def setup(self, train_samples) -> None:
        """The tokenizer's vocabulary and the album (title) list, from the training split."""
        texts, titles = [], set()
        for sample in train_samples:
            texts.append(sample.get("text", ""))
            titles.add(sample["meta"]["title"])
        m = self.cfg["model"]
        self.state["vocabulary"] = build_vocabulary(texts, ngram=m["ngram"],
                                                    min_count=m["min_token_count"])
        self.state["albums"] = sorted(titles)

    def _title_parts(self) -> tuple[set[str], set[str]]:
        """(training keys, validation keys): `data.val_titles` of the training titles (when above
        0: at least one, never all), chosen by the sha256 of their names so no seed moves them."""
        if "_parts" not in self.__dict__:
            frame = self.release.manifest()
            keys = frame[frame["split"].isin(self.train_splits)]["key"].tolist()
            titles = self.titles(keys)
            names = sorted(set(titles), key=lambda t: hashlib.sha256(t.encode()).hexdigest())
            share = self.cfg["data"]["val_titles"]
            count = min(max(1, round(share * len(names))), len(names) - 1) if share > 0 else 0
            held = set(names[:count])
            self._parts = ({k for k, t in zip(keys, titles) if t not in held},
                           {k for k, t in zip(keys, titles) if t in held})
        return self._parts

    def train_keys(self) -> set[str] | None:
        """The training titles less the validation ones (so the vocabulary and albums skip them)."""
        return self._title_parts()[0] if self._title_parts()[1] else None

    def val_keys(self) -> set[str] | None:
        return self._title_parts()[1] or None

    def tokenizer(self) -> Tokenizer:
        if not hasattr(self, "_tokenizer"):
            m = self.cfg["model"]
            self._tokenizer = Tokenizer(self.state["vocabulary"], m["ngram"], m["max_tokens"])
        return self._tokenizer

    def encode_text(self, text: str) -> list[int]:
        checkpoint = self.cfg["model"]["text_checkpoint"]
        if not checkpoint:
            return self.tokenizer().encode(text)
        if not hasattr(self, "_hf_tokenizer"):
            from training.text import local_hf_encoder

            self._hf_tokenizer = local_hf_encoder(checkpoint)[0]
        return hf_encode(self._hf_tokenizer, text, self.cfg["model"]["max_tokens"])

    def transform(self, sample: dict, epoch: int, train: bool) -> dict:
        """Resize to image_size, then a random crop (192 of 224 in the seed, same ratio at other
        sizes) and a small rotation when training; the centre crop otherwise."""
        data = self.cfg["data"]
        size = data["image_size"]
        crop = round(size * data["crop"] / 224)
        image = sample["image"].convert("RGB").resize((size, size), Image.BILINEAR)
        if train:
            rng = np.random.default_rng(seed_for(self.cfg["run"]["seed"], epoch, sample["key"]))
            angle = float(rng.uniform(-data["rotate"], data["rotate"]))
            image = image.rotate(angle, Image.BILINEAR, fillcolor=(255, 255, 255))  # paper white
            top, left = (int(v) for v in rng.integers(0, size - crop + 1, size=2))
        else:
            top = left = (size - crop) // 2
        # uint8 HxWxC: the training loop normalises on the device
        array = image_array(image, "RGB")[top:top + crop, left:left + crop]
        albums = self.state.get("albums", [])
        title = sample["meta"]["title"]
        return {"key": sample["key"], "image": np.ascontiguousarray(array),
                "tokens": torch.tensor(self.encode_text(sample.get("text", ""))),
                "character": torch.tensor(sample["cls"]),
                "album": torch.tensor(albums.index(title) if title in albums else -100),
                "eval_subset": torch.tensor(bool(sample["meta"].get("eval_subset")))}

    def build_model(self) -> nn.Module:
        m = self.cfg["model"]
        image, image_dim = (resnet_trunk(m["depth"], m["image_width"], m["weights"] or None)
                            if "image" in VARIANTS[self.variant][0] else (None, 0))
        text = None
        if "text" in VARIANTS[self.variant][0] and m["text_checkpoint"]:
            text = HFTextEncoder(m["text_checkpoint"])  # fine-tuned with the rest
        elif "text" in VARIANTS[self.variant][0]:
            text = TextEncoder(self.tokenizer().size, m["text_dim"], m["text_encoder"],
                               max_tokens=m["max_tokens"])
        return MangaMMTLNet(self.variant, len(self.release.label_sets["character"]),
                            max(1, len(self.state["albums"])), image=image, image_dim=image_dim,
                            text=text, hidden=m["hidden"], dropout=m["dropout"])

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        logits, _ = model(batch["image"], batch["tokens"])
        return sum(F.cross_entropy(value.float(), batch[task], ignore_index=-100)
                   for task, value in logits.items())

    def predict(self, model: nn.Module, batch: dict) -> dict[str, torch.Tensor]:
        logits, features = model(batch["image"], batch["tokens"])
        return {"features": features.float(), "character": batch["character"],
                "eval_subset": batch["eval_subset"]}

    def titles(self, keys: list[str]) -> list[str]:
        if "_titles" not in self.__dict__:
            frame = self.release.manifest()
            self._titles = {k: (json.loads(s) if isinstance(s, str) else dict(s))["title"]
                            for k, s in zip(frame["key"], frame["source_ids"])}
        return [self._titles[k] for k in keys]

    def metrics(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        e = self.cfg["eval"]
        queries = retrieval.fixed_queries(e["queries"], len(keys), self.cfg["run"]["seed"])
        result = {"variant": self.variant, **retrieval.retrieval_scores(
            outputs["features"], outputs["character"], queries)}
        validating = bool(keys) and keys[0] in (self.val_keys() or ())
        if e["clustering"] and not validating:  # every epoch on the validation titles: too slow
            result.update(self.cluster(outputs, keys)[0])
        return result

    def cluster(self, outputs: dict, keys: list[str]) -> tuple[dict, list]:
        """Per evaluation title, per seed: UMAP + HDBSCAN scores; their means, and the panels
        (title, 2-D UMAP, truth, clusters) of the first seed for the report."""
        e = self.cfg["eval"]
        titles = np.array(self.titles(keys))
        # the release's evaluation titles; a release marking none (the replicas) -> every test title
        marked = outputs["eval_subset"].astype(bool)
        chosen = sorted(set(titles[marked] if marked.any() else titles))
        per_title, panels, chance = [], [], []
        for title in chosen:
            rows = titles == title
            if rows.sum() < e["min_title_faces"]:
                continue
            truth = outputs["character"][rows]
            for s, seed in enumerate(e["cluster_seeds"]):
                xy, labels = clustering.embed_and_cluster(
                    outputs["features"][rows], seed, n_neighbors=e["umap_neighbors"],
                    n_components=e["umap_components"], min_cluster_size=e["min_cluster_size"])
                per_title.append(clustering.scores(truth, labels))
                chance.append(clustering.random_labelling_ari(truth, labels, 20, seed))
                if s == 0:
                    panels.append((title, xy, truth, labels))
        if not per_title:
            return {"clustered_titles": 0}, panels
        means = {name: float(np.nanmean([p[name] for p in per_title])) for name in per_title[0]}
        return {**means, "random_labelling_ari": float(np.mean(chance)),
                "clustered_titles": len(panels),
                "clustered_on_marked_titles": int(bool(marked.any()))}, panels

    def chance(self, outputs: dict[str, np.ndarray], keys: list[str]) -> dict:
        """A random ranking: rank-1 = same-character share of the others; its AP per query is
        about the same share, so mAP's chance is that too; a random labelling's ARI is ~0."""
        share = retrieval.chance_rank1(outputs["character"])
        labels = np.asarray(outputs["character"])
        counts = np.unique(labels, return_counts=True)[1]
        usable = counts[counts > 1]
        rank5 = float(np.sum(usable * (1 - (1 - (usable - 1) / (len(labels) - 1)) ** 5))
                      / usable.sum()) if usable.size else float("nan")
        return {"rank1": share, "map": share, "rank5": rank5, "characters": int(len(counts)),
                "one_over_characters": 1 / len(counts), "ari": 0.0}

    def figures(self, run_dir: Path, model: nn.Module, outputs: dict[str, np.ndarray],
                 keys: list[str]) -> dict[str, str]:
        from .manga_mmtl_figures import draw

        return draw(self, run_dir, outputs, keys)
