"""The seeds' protocols are the configs' defaults; the demo's [demo] tables keep small settings."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from training.config import demo_trainings, load_config
from training.experiments.artist import epochs_for_steps


@pytest.mark.parametrize("name, steps", [("artist-pages", 30000), ("artist-panels", 40000)])
def test_artist_configs_train_the_seeds_steps_at_batch_20(name, steps):
    cfg = load_config(name)
    assert cfg["data"]["batch_size"] == 20
    assert cfg["optim"]["epochs"] == 0 and cfg["optim"]["steps"] == steps


def test_epochs_for_steps_covers_the_steps_in_whole_epochs():
    # 1,000 samples at batch 20: 50 steps an epoch -> 30,000 steps = 600 epochs
    assert epochs_for_steps(30000, 1000, 20) == 600
    # 1,010 samples: 51 steps (the last short) -> ceil(30,000 / 51) = 589 epochs >= 30,000 steps
    assert epochs_for_steps(30000, 1010, 20) == 589 and 589 * 51 >= 30000 > 588 * 51
    with pytest.raises(ValueError, match="optim.steps"):
        epochs_for_steps(0, 1000, 20)


def test_the_artist_demo_keeps_its_epochs_and_batch():
    cfg = load_config("artist-pages", overrides=demo_trainings()["artist-pages"].settings)
    assert cfg["optim"]["epochs"] == 8 and cfg["data"]["batch_size"] == 32


def test_pixiv_artist_resizes_to_the_seeds_250_px():
    from training.experiments.pixiv_artist import PixivArtist

    cfg = load_config("pixiv-artist")
    assert cfg["data"]["image_size"] == 250
    experiment = PixivArtist(cfg, release=None)
    experiment.state["input_hw"] = [500, 500]
    sample = {"key": "k", "cls": 0, "image": Image.new("RGB", (500, 400), (10, 20, 30))}
    item = experiment.transform(sample, epoch=0, train=False)
    assert item["image"].shape == (250, 250, 3) and item["image"][0, 0].tolist() == [10, 20, 30]
    cfg["data"]["image_size"] = 0                                # 0: the release's own size
    assert PixivArtist(cfg, None).transform(sample, 0, False)["image"].shape == (400, 500, 3)


def test_illust2vec_nin_head_is_the_seeds_table_1():
    """conv 3x3 (1,024), conv 3x3 (1,024), conv 3x3 with one channel per label, global average
    pooling (width scales the 1,024s)."""
    from training.models_embedding import Illust2VecNet

    net = Illust2VecNet(tags=7, ratings=3, width=0.0625, feature_bits=0)
    convs = [m for m in net.head if isinstance(m, nn.Conv2d)]
    assert [c.kernel_size for c in convs] == [(3, 3)] * 3
    assert [c.out_channels for c in convs] == [64, 64, 10]
    assert isinstance(net.head[-2], nn.AdaptiveAvgPool2d)
    tags, ratings = net(torch.zeros(2, 3, 64, 64))
    assert tags.shape == (2, 7) and ratings.shape == (2, 3)


def test_activation_maximisation_shows_every_conv_layer(tmp_path):
    from training import figures
    from training.models import ArtistCNN

    model = ArtistCNN(3, input_hw=(32, 32), widths=(4, 4, 4, 4, 4), hidden=8)
    shown = figures.activation_maximisation(tmp_path, model, (32, 32), ["a", "b", "c"],
                                            units=2, steps=2)
    title = next(t for t in shown if "conv layer" in t)
    assert "conv1 .. conv5" in title
    image = np.asarray(Image.open(tmp_path / shown[title]))
    assert image.shape[0] > image.shape[1]                       # 5 rows of 2 units: tall


def test_m5_is_the_seeds_three_heads_and_two_features():
    """image -> character, text -> album, image+text -> character; the evaluation feature is the
    fused character head's hidden layer beside the album head's."""
    from training.models_embedding import MangaMMTLNet, TextEncoder, head_task, resnet_trunk

    image, dim = resnet_trunk(10, 8)
    net = MangaMMTLNet("M5", 7, 3, image=image, image_dim=dim, text=TextEncoder(10, 16),
                       hidden=32).eval()
    assert {name: net.hidden[name][0].in_features for name in net.hidden} == {
        "character": dim + 16, "image_character": dim, "album": 16}
    assert {name: head_task(name) for name in net.out} == {
        "character": "character", "image_character": "character", "album": "album"}
    ids = torch.tensor([[2, 3, 0, 0], [4, 0, 0, 0]])
    images = torch.rand(2, 3, 48, 48)
    logits, features = net(images, ids)
    assert logits["album"].shape == (2, 3) and logits["image_character"].shape == (2, 7)
    parts = net.encoded(images, ids)
    fused = net.hidden["character"](torch.cat([parts["image"], parts["text"]], 1))
    album = net.hidden["album"](parts["text"])
    expected = torch.cat([torch.nn.functional.normalize(fused, dim=1),
                          torch.nn.functional.normalize(album, dim=1)], 1)
    assert torch.allclose(features, expected, atol=1e-6)


def test_m5_starts_from_the_runs_trained_m1_and_m3(tmp_path):
    from types import SimpleNamespace

    from training import checkpoint
    from training.experiments.manga_mmtl import MangaMMTL
    from training.runner import checkpoint_path

    cfg = load_config("manga-mmtl", overrides=["model.depth=10", "model.image_width=8",
                                               "model.text_dim=16", "model.hidden=16"])
    release = SimpleNamespace(label_sets={"character": list("abcdefg")})
    experiment = MangaMMTL(cfg, release)
    experiment.state.update(vocabulary={"w": 2, "v": 3}, albums=["x", "y", "z"])
    experiment.run_dir = tmp_path
    trained = {}
    for repeat, variant in enumerate(["M1", "M2", "M3"]):
        experiment.repeat = repeat
        model = experiment.build_model()
        checkpoint.save(checkpoint_path(tmp_path, repeat), model=model.state_dict())
        trained[variant] = model.state_dict()
    experiment.repeat = 4                                        # variants[4] = "M5"
    m5 = experiment.build_model().state_dict()
    for name, value in trained["M1"].items():
        if name.startswith("image."):
            assert torch.equal(m5[name], value)
    assert torch.equal(m5["out.image_character.weight"], trained["M1"]["out.character.weight"])
    assert torch.equal(m5["text.bag.weight"], trained["M3"]["text.bag.weight"])
    assert torch.equal(m5["out.album.weight"], trained["M3"]["out.album.weight"])
    assert set(experiment.state["started_from"]) >= {"image", "text", "out.album"}
    experiment.cfg["model"]["init_from_trained"] = False      # off: a fresh M5
    assert not torch.equal(experiment.build_model().state_dict()["out.album.weight"],
                           trained["M3"]["out.album.weight"])


def test_gcd_team_reports_accuracy_thresh_at_both_thresholds_and_the_recipe_is_an_option():
    cfg = load_config("gcd-team")
    assert cfg["optim"]["recipe"] == "plain"           # the fastai recipe needs local weights
    from core.errors import UsageError
    from training.experiments.gcd_team import GcdTeam

    fastai = GcdTeam(load_config("gcd-team", overrides=["optim.recipe=fastai"]), release=None)
    with pytest.raises(UsageError, match="model.weights"):
        fastai.build_model()


def test_fastai_recipe_freezes_then_unfreezes_with_discriminative_one_cycle_rates():
    from torchvision.models import resnet18

    from training import recipes
    from training.runner import build_optimizer

    def setup():
        torch.manual_seed(0)
        model = resnet18(num_classes=3)
        groups = recipes.resnet_layer_groups(model)
        optimizer = build_optimizer({"name": "adamw", "lr": 0.01, "weight_decay": 0.0}, model,
                                    groups)
        schedule = recipes.FreezeThenUnfreeze(optimizer, groups, lr=0.01, lr_min=1e-5,
                                              frozen_epochs=1, epochs=2, steps_per_epoch=4)
        return model, optimizer, schedule

    model, optimizer, schedule = setup()
    assert len(optimizer.param_groups) == 3
    assert not model.layer1[0].conv1.weight.requires_grad and model.fc.weight.requires_grad
    trunk_before = model.layer4[0].conv1.weight.detach().clone()
    head_before = model.fc.weight.detach().clone()
    rates = []
    for _ in range(8):
        loss = model(torch.rand(2, 3, 32, 32)).logsumexp(1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        rates.append([g["lr"] for g in optimizer.param_groups])
        if len(rates) == 3:     # still frozen: the trunk never moved, the head did
            assert torch.equal(model.layer4[0].conv1.weight, trunk_before)
            assert not torch.equal(model.fc.weight, head_before)
    assert model.layer1[0].conv1.weight.requires_grad             # unfrozen after epoch 1
    # phase 1 rises to about lr for the head; phase 2's rates stand as 1e-5 : ~1.4e-4 : lr/5
    # (even on a log scale) at every step and peak near lr/5
    assert max(r[2] for r in rates[:3]) == pytest.approx(0.01, rel=0.15)
    for r in rates[4:]:
        assert [r[0] / r[2], r[1] / r[2]] == pytest.approx([1e-5 / 2e-3, np.sqrt(1e-5 / 2e-3)])
    assert max(r[2] for r in rates[4:]) == pytest.approx(2e-3, rel=0.15)
    # a resumed schedule (fresh optimizer, state loaded) gives the same rates
    _, optimizer2, schedule2 = setup()
    schedule2.load_state_dict(schedule.state_dict())
    assert [g["lr"] for g in optimizer2.param_groups] == pytest.approx(
        [g["lr"] for g in optimizer.param_groups])


def test_training_batches_mix_the_classes_as_a_full_shuffle_does(scaled):
    """The key-sorted shards (one title after another) are shuffled by a buffer that fills
    before it yields: on the demo's pages (998 training samples, 8 titles) the mean number of
    distinct classes per batch is within 5% of a uniform random permutation's (the buffer
    starting at 100 samples gave 7.06 of 8 vs 7.75)."""
    from training.data import train_stream
    from training.release_view import open_release

    release = open_release(scaled("manga109-artist-pages"))
    stream = train_stream(release, ["train"], lambda s, e: {"key": s["key"],
                                                            "cls": torch.tensor(s["cls"])},
                          batch_size=32, seed=0, epoch=0, workers=1, shuffle_buffer=1000)
    batches = [batch["cls"].tolist() for batch in stream]
    ours = np.mean([len(set(b)) for b in batches if len(b) == 32])
    labels = np.concatenate(batches)
    assert len(labels) > 500
    rng = np.random.default_rng(0)
    whole = len(labels) // 32 * 32
    uniform = np.mean([len(set(chunk)) for _ in range(50)
                       for chunk in np.split(rng.permutation(labels)[:whole], whole // 32)])
    assert ours >= 0.95 * uniform, (ours, uniform)
