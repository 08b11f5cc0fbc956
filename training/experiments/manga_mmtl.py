"""Manga-MMTL on manga109-faces: face image + frame text, models M1..M5 (one per repeat), retrieval
across test titles (CMC rank-1/5, mAP) and per-title UMAP + HDBSCAN clustering."""
from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from training.data import image_array, seed_for
from training.embeddings import clustering, retrieval
from training import checkpoint
from training.models_embedding import (VARIANTS, MangaMMTLNet, TextEncoder, head_task,
                                       resnet_trunk)
from training.text import HFTextEncoder, Tokenizer, build_vocabulary, hf_encode
from training.weights import weights_options

from .base import Experiment

log = logging.getLogger(__name__)


class MangaMMTL(Experiment):
    image_mode = "RGB"
    # early stopping and model selection: mAP ranks the whole list, so it still moves after
    # rank-1 saturates (on easy held-out titles it does from the first epoch)
    primary_metric = "map"
    needs_setup = True
    setup_reads_images = False  # the vocabulary and albums come from the text and the metadata
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
        image, image_dim = (resnet_trunk(m["depth"], m["image_width"], m["weights"] or None,
                                         **weights_options(m))
                            if "image" in VARIANTS[self.variant][0] else (None, 0))
        text = None
        if "text" in VARIANTS[self.variant][0] and m["text_checkpoint"]:
            text = HFTextEncoder(m["text_checkpoint"])  # fine-tuned with the rest
        elif "text" in VARIANTS[self.variant][0]:
            text = TextEncoder(self.tokenizer().size, m["text_dim"], m["text_encoder"],
                               max_tokens=m["max_tokens"])
        model = MangaMMTLNet(self.variant, len(self.release.label_sets["character"]),
                             max(1, len(self.state["albums"])), image=image, image_dim=image_dim,
                             text=text, hidden=m["hidden"], dropout=m["dropout"])
        self.state.pop("started_from", None)
        if m["init_from_trained"] and getattr(self, "run_dir", None) is not None:
            self.start_from_trained(model)
        return model

    # M4 and M5 start from the trained single-task models, as the seed: (their part, the model
    # it comes from, that model's part)
    STARTS = {"M4": (("image.", "M1", "image."), ("text.", "M2", "text.")),
              "M5": (("image.", "M1", "image."), ("text.", "M3", "text."),
                     ("hidden.image_character.", "M1", "hidden.character."),
                     ("out.image_character.", "M1", "out.character."),
                     ("hidden.album.", "M3", "hidden.album."), ("out.album.", "M3", "out.album."))}

    def start_from_trained(self, model: nn.Module) -> None:
        """Copy M1's image network and character head and M2's / M3's text network and album
        head into M4 / M5 from this run's earlier repeats (their best checkpoint, else last).
        A source model not trained earlier in the run leaves that part fresh, said in the log
        and in state["started_from"] (saved with every checkpoint)."""
        from training.runner import checkpoint_path

        variants = self.cfg["model"]["variants"][:self.repeat]
        own, started = model.state_dict(), {}
        for part, source, their in self.STARTS.get(self.variant, ()):
            if source not in variants:
                log.info("%s: %s not trained before it in this run; %s starts fresh",
                         self.variant, source, part.rstrip("."))
                continue
            repeat = variants.index(source)
            best = checkpoint_path(self.run_dir, repeat, "best")
            path = best if best.exists() else checkpoint_path(self.run_dir, repeat)
            trained = checkpoint.load(path)["model"]
            copied = {part + k[len(their):]: v for k, v in trained.items() if k.startswith(their)}
            copied = {k: v for k, v in copied.items() if k in own and own[k].shape == v.shape}
            own.update(copied)
            started[part.rstrip(".")] = f"{source} (repeat {repeat}, {path.name})"
        model.load_state_dict(own)
        self.state["started_from"] = started

    def loss(self, model: nn.Module, batch: dict) -> torch.Tensor:
        logits, _ = model(batch["image"], batch["tokens"])
        return sum(F.cross_entropy(value.float(), batch[head_task(head)], ignore_index=-100)
                   for head, value in logits.items())

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
            outputs["features"], outputs["character"], queries,
            queries_in_gallery=e["queries_in_gallery"] or queries is None)}
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
