"""`inkset download` into a folder that holds a download (issue 25 §3): it resumes only a
download of the same URL list and options; another stops with one line, or starts anew with
--overwrite."""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

from PIL import Image

from flows.cli import main
from replicas.common import LoopbackServer, Reply


def serve(path: str, headers: dict) -> Reply:
    index = int(path.rsplit("/", 1)[1].split(".")[0])
    buffer = io.BytesIO()
    Image.new("RGB", (60, 90), (index * 30 % 256, 40, 90)).save(buffer, "JPEG")
    return Reply(200, buffer.getvalue(), "image/jpeg")


def samples(out: Path) -> dict[str, tuple[int, int]]:
    """key -> image size, over every shard."""
    found = {}
    for shard in sorted(out.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".jpg"):
                    with Image.open(io.BytesIO(tar.extractfile(member).read())) as image:
                        found[member.name.split(".")[0]] = image.size
    return found


def test_a_folder_is_resumed_only_by_the_same_inputs(tmp_path, capsys):
    with LoopbackServer(serve, role="images") as host:
        first, second = tmp_path / "first.txt", tmp_path / "second.txt"
        first.write_text("".join(f"{host.base}/img/{i}.jpg\n" for i in range(3)))
        second.write_text("".join(f"{host.base}/img/{i}.jpg\n" for i in range(10, 15)))
        out = tmp_path / "out"
        run = lambda urls, *options: main(["download", str(urls), str(out), "--workers", "1",
                                           "--allow-private", *options])  # noqa: E731
        assert run(first, "--size", "20x30") == 0
        made = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
        assert samples(out) == {f"{i:09d}": (20, 30) for i in range(3)}
        capsys.readouterr()

        assert run(first, "--size", "20x30") == 0  # the same: resumed, nothing rewritten
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == made

        assert run(second, "--size", "40x60") == 2
        err = capsys.readouterr().err
        assert err == (f"inkset: error: {out} holds a download of another URL list, not of "
                       f"{second} with these options: choose another folder, or pass "
                       f"--overwrite to start anew\n")
        assert run(first, "--size", "40x60") == 2
        assert "the same URL list with other options: size [20, 30] -> [40, 60]" in \
            capsys.readouterr().err
        assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == made  # untouched

        assert run(second, "--size", "40x60", "--overwrite") == 0
        assert samples(out) == {f"{i:09d}": (40, 60) for i in range(5)}
