"""A release or URL list from someone else (issue 23): nothing executes, nothing leaves its
folder, no private address is fetched, no bomb is decoded, every failure is one row or line."""
from __future__ import annotations

import io
import json
import pickle
import shutil
import struct
import zlib
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from core.errors import InksetError
from core.names import UnsafeName
from preprocess.images import ImageLimits
from preprocess.release import conventions
from replicas.common import LoopbackServer, Reply
from share import remote
from share.download import engine, guard
from share.download.fetch import Job, spooled_outcome
from share.download.render import Recipe, Rendered, render_job
from share.download.rules import Rules
from share.download.urllist import download
from share.publish import export_metadata_only


def jpeg(size=(60, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_bomb(width: int = 40_000, height: int = 40_000) -> bytes:
    """A 60-byte PNG whose header claims 1.6 billion pixels (no pixel data needed to refuse it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
            + chunk(b"IEND", b""))


def site(path: str, headers: dict) -> Reply:
    if path.startswith("/to-file"):
        return Reply(302, b"", headers={"Location": "file:///etc/passwd"})
    if path.startswith("/to-private"):
        return Reply(302, b"", headers={"Location": "http://127.0.0.2:9/secret.jpg"})
    if path.startswith("/bomb"):
        return Reply(200, png_bomb(), "image/png")
    if path.startswith("/big"):
        return Reply(200, jpeg((900, 900)), "image/jpeg")
    if path == "/robots.txt":
        return Reply(200, b"User-agent: *\nAllow: /\n", "text/plain")
    return Reply(200, jpeg(), "image/jpeg")


def outcomes(urls: list[str], rules: Rules, recipe: Recipe = Recipe(size=(30, 45))) -> list:
    jobs = [Job(f"{i:09d}", url, (recipe, ("full",), None)) for i, url in enumerate(urls)]
    return [o for _, o in engine.run(jobs, render_job, rules=rules, workers=1)]


# 1. no file of a release or an output folder is ever unpickled
class Boom:
    def __reduce__(self):
        return (Path.touch, (Path(__file__).parent / ".pwned",))


def test_a_planted_pickle_in_the_spool_is_not_run(tmp_path):
    marker = Path(__file__).parent / ".pwned"
    marker.unlink(missing_ok=True)
    (tmp_path / "000000001").write_bytes(pickle.dumps(Boom()))
    assert spooled_outcome(tmp_path / "000000001") is None  # not a spool record: fetched again
    assert not marker.exists()


def test_the_spool_round_trips_a_rendered_outcome(tmp_path):
    from share.download.fetch import render_and_spool

    kept = render_and_spool(render_job, (Recipe(size=(30, 45)), ("full",), None), jpeg(),
                            tmp_path / "k")
    assert isinstance(kept, Rendered) and spooled_outcome(tmp_path / "k") == kept


# 2. names from a release never leave their folder
def _sealed(path: Path, **changes) -> None:
    card = json.loads(path.read_text())
    card.update(changes)
    path.write_text(json.dumps(conventions.sealed(card)))


@pytest.mark.parametrize("name, version", [("..", "1"), ("shapes", ".."), ("../../x", "1")])
def test_rebuild_refuses_a_card_naming_a_folder_outside_releases(
        shapes_release, tmp_path, monkeypatch, name, version):
    from share.download.rebuild import rebuild

    monkeypatch.setenv("INKSET_HOME", str(tmp_path / "home"))
    meta = export_metadata_only(shapes_release, tmp_path / "meta")
    _sealed(meta / "dataset.json", name=name, version=version)
    with pytest.raises(UnsafeName, match="unsafe"):
        rebuild(str(meta))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta"]  # nothing written anywhere


def test_rebuild_refuses_a_shard_name_with_a_path(shapes_release, tmp_path, monkeypatch):
    from share.download.rebuild import rebuild

    monkeypatch.setenv("INKSET_HOME", str(tmp_path / "home"))
    meta = export_metadata_only(shapes_release, tmp_path / "meta")
    index = pd.read_parquet(meta / "samples.parquet")
    index.loc[0, "shard"] = "../../evil-000000.tar"
    index.to_parquet(meta / "samples.parquet", index=False)
    with pytest.raises(UnsafeName, match="evil"):
        rebuild(str(meta), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_fetch_refuses_a_sums_file_naming_a_path(shapes_release, tmp_path):
    store = tmp_path / "store"
    remote.publish_to(shapes_release, f"file://{store}")
    sums = (store / "SHA256SUMS").read_bytes() + f"{'0' * 64}  ../escaped\n".encode()
    (store / "SHA256SUMS").write_bytes(sums)
    _sealed(store / "dataset.json", sha256sums=conventions.hashlib.sha256(sums).hexdigest())
    with pytest.raises(UnsafeName, match="escaped"):
        remote.fetch(f"file://{store}", tmp_path / "out" / "in")
    assert not (tmp_path / "out" / "escaped").exists()


# 3. schemes and addresses
def test_other_schemes_and_private_addresses_are_refused_without_a_request():
    rules = Rules(retries=1, backoff=0.01)
    port = "1"
    with LoopbackServer(site) as host:
        port = host.base.rsplit(":", 1)[1]
        got = outcomes(["file:///etc/passwd", "ftp://example.org/a.jpg",
                        f"{host.base}/a.jpg", "http://169.254.169.254/latest/meta-data",
                        "http://[::1]:9/a.jpg", "http://10.0.0.1/a.jpg",
                        f"http://localhost:{port}/a.jpg", f"http://[::ffff:127.0.0.1]:{port}/"],
                       rules)
        served = list(host.log)
    reasons = [o.reason.split(":")[0] for o in got]
    assert reasons == ["refused_scheme", "refused_scheme"] + ["refused_private_address"] * 6
    assert served == []  # refused before connecting


def test_a_name_resolving_to_a_private_address_is_refused_after_dns():
    import socket

    name = socket.gethostname()  # this machine's name: /etc/hosts maps it to a local address
    try:
        address = socket.getaddrinfo(name, 80)[0][4][0]
    except OSError:
        pytest.skip(f"{name} does not resolve here")
    if not guard.private_address(address):
        pytest.skip(f"{name} resolves to a public address here")
    with LoopbackServer(site) as host:
        got = outcomes([f"http://{name}:{host.base.rsplit(':', 1)[1]}/a.jpg"], Rules(retries=0))
        served = list(host.log)
    assert got[0].reason.startswith(f"refused_private_address: {name} resolves to {address}")
    assert served == []


def test_allow_private_fetches_loopback_but_each_redirect_is_checked_again(monkeypatch):
    with LoopbackServer(site) as host:
        allowed = outcomes([f"{host.base}/a.jpg", f"{host.base}/to-file"],
                           Rules(allow_private=True))
        assert isinstance(allowed[0], Rendered)
        assert allowed[1].reason.startswith("refused_scheme")
        # only this host counts as public: a redirect to another private address is refused
        real = guard.private_address
        monkeypatch.setattr(guard, "private_address", lambda a: a != "127.0.0.1" and real(a))
        got = outcomes([f"{host.base}/a.jpg", f"{host.base}/to-private"],
                       Rules(polite_loopback=True, live_delay=0))
    assert isinstance(got[0], Rendered)
    assert got[1].reason.startswith("refused_private_address: 127.0.0.2")


# 4. bombs and oversized inputs
def test_bombs_and_oversized_images_are_rows_with_their_reason():
    with LoopbackServer(site) as host:
        got = outcomes([f"{host.base}/bomb.png", f"{host.base}/big.jpg", f"{host.base}/a.jpg"],
                       Rules(allow_private=True),
                       Recipe(size=(30, 45), limits=ImageLimits(max_pixels=500_000)))
        capped = outcomes([f"{host.base}/big.jpg"], Rules(allow_private=True, max_bytes=2000))
    assert got[0] == "too_many_pixels" and got[1] == "too_many_pixels"
    assert isinstance(got[2], Rendered)
    assert capped[0].reason.startswith("too_many_bytes")
    assert render_job((Recipe(limits=ImageLimits(max_bytes=100)), ("full",), None),
                      jpeg()) == "too_many_bytes"


# 6. bad rows fail alone
def test_malformed_and_empty_url_cells_fail_their_row_only(tmp_path):
    with LoopbackServer(site) as host:
        pd.DataFrame({"url": [f"{host.base}/a.jpg", "http://[::1", None, f"{host.base}/b.jpg",
                              "http://x:notaport/a.jpg"],
                      "caption": ["one", "two", "three", None, "five"]}).to_csv(
            tmp_path / "urls.csv", index=False)
        result = download(tmp_path / "urls.csv", tmp_path / "out", recipe=Recipe(size=(30, 45)),
                          rules=Rules(allow_private=True))
    assert result.counts == {"success": 2, "failed": 3}
    rows = pd.read_parquet(next((tmp_path / "out").glob("*.parquet")))
    reasons = rows.set_index("key")["error_message"].dropna().to_dict()
    assert {k: r.split(":")[0] for k, r in reasons.items()} == {
        "000000001": "malformed_url", "000000002": "malformed_url", "000000004": "malformed_url"}
    import tarfile
    with tarfile.open(tmp_path / "out" / "data-000000.tar") as tar:
        texts = {m.name: tar.extractfile(m).read() for m in tar if m.name.endswith(".txt")}
    assert texts == {"000000000.txt": b"one", "000000003.txt": b""}


def test_fetch_of_a_malformed_card_is_one_error(shapes_release, tmp_path):
    store = tmp_path / "store"
    remote.publish_to(shapes_release, f"file://{store}")
    (store / "dataset.json").write_text('{"name": "shapes", ')
    with pytest.raises(InksetError, match="dataset.json: not valid JSON"):
        remote.fetch(f"file://{store}", tmp_path / "out")


# 7. a publish killed while writing the card
def test_a_killed_card_upload_leaves_no_card_and_a_partial_one_is_replaced(shapes_release,
                                                                          tmp_path, monkeypatch):
    import fsspec.implementations.local as local

    store = tmp_path / "store"
    real = local.LocalFileSystem.put_file

    def killed_on_card(self, lpath, rpath, **kw):
        if "dataset.json" in str(rpath):
            Path(rpath.replace("file://", "")).write_bytes(Path(lpath).read_bytes()[:10])
            raise KeyboardInterrupt  # the kill, mid-copy
        return real(self, lpath, rpath, **kw)

    monkeypatch.setattr(local.LocalFileSystem, "put_file", killed_on_card)
    with pytest.raises(KeyboardInterrupt):
        remote.publish_to(shapes_release, f"file://{store}")
    monkeypatch.undo()
    assert not (store / "dataset.json").exists()
    (store / "dataset.json").write_bytes(b"")  # what an older inkset left: a 0-byte card
    done = remote.publish_to(shapes_release, f"file://{store}")
    assert done.copied == ["dataset.json"]
    assert (store / "dataset.json").read_bytes() == (shapes_release / "dataset.json").read_bytes()
    with pytest.raises(InksetError, match="another release"):  # a whole other card still refuses
        _sealed(store / "dataset.json", license="other")
        remote.publish_to(shapes_release, f"file://{store}")


# 10. robots.txt once per host per run
def test_robots_txt_is_fetched_once_per_host():
    with LoopbackServer(site) as host:
        got = outcomes([f"{host.base}/{i}.jpg" for i in range(20)],
                       Rules(allow_private=True, polite_loopback=True, live_delay=0,
                             live_concurrency=4))
        robots = [e for e in host.log if e["path"] == "/robots.txt"]
    assert all(isinstance(o, Rendered) for o in got)
    assert len(robots) == 1


def test_publish_refuses_a_card_naming_a_folder_outside_published(shapes_release, tmp_path):
    from share.publish import publish

    release = tmp_path / "release"
    shutil.copytree(shapes_release, release)
    _sealed(release / "dataset.json", name="..", share="metadata-only")
    with pytest.raises(UnsafeName, match="unsafe dataset name '..'"):
        publish(release, tmp_path / "locks", tmp_path / "published")
    assert not (tmp_path / "locks").exists() and not (tmp_path / "published").exists()
