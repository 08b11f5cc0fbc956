"""Definition values (issue 25 §6): every key's type and range is checked before any work, and
the error is one line naming the file, the line and the key."""
from __future__ import annotations

import shutil

import pytest

from core.definitions import DefinitionError, manifests_dir, value_problem


@pytest.fixture
def defs(tmp_path, monkeypatch):
    """A copy of data_manifests/ as the user's own definitions folder (INKSET_MANIFESTS)."""
    shutil.copytree(manifests_dir(), tmp_path / "defs")
    monkeypatch.setenv("INKSET_MANIFESTS", str(tmp_path / "defs"))
    return tmp_path / "defs"


def edit(path, old: str, new: str) -> int:
    """Replace `old` by `new` in the definition; the 1-based line it is on."""
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return text[:text.index(old)].count("\n") + 1


# (definition, text in it, bad text, what the one line says after "<file>:<line>: ")
CASES = [
    ("gcd-covers", "size = [200, 300]", "size = [-200, 0]",
     "[options] size = [-200, 0]: must be two whole numbers > 0 (width, height), "
     "e.g. [200, 300]"),
    ("gcd-covers", "top_characters = 50", "top_characters = -3",
     "[options] top_characters = -3: must be a whole number >= 0"),
    ("gcd-covers", "label_cap = 500", 'label_cap = "five hundred"',
     "[options] label_cap = 'five hundred': must be a whole number >= 1"),
    ("gcd-covers", 'rebalance = "weights"', 'rebalance = "sometimes"',
     "rebalance must be one of ['none', 'cap', 'weights'], not 'sometimes'"),
    ("gcd-covers", "split_fractions = { train = 0.8,", "split_fractions = { train = 1.8,",
     "[options] split_fractions = {'train': 1.8, 'val': 0.1, 'test': 0.1}: the fractions must "
     "be numbers >= 0 that sum to 1"),
    ("gcd-covers", 'kind = "covers"', "kind = 3", "kind = 3: must be a non-empty string"),
]


@pytest.mark.parametrize("name, old, new, message", CASES)
def test_a_bad_value_names_file_line_and_key(defs, name, old, new, message):
    from preprocess.gcd.options import GcdOptions

    line = edit(defs / f"{name}.toml", old, new)
    with pytest.raises(DefinitionError) as raised:
        GcdOptions.load(name)
    assert str(raised.value) == f"{defs / name}.toml:{line}: {message}"


def test_the_cli_stops_before_the_work_dir_changes(defs, tmp_path, monkeypatch, capsys):
    from flows.cli import main

    monkeypatch.setenv("INKSET_HOME", str(tmp_path / "home"))
    line = edit(defs / "gcd-covers.toml", "top_characters = 50", "top_characters = -3")
    assert main(["gcd", "--datasets", "gcd-covers"]) == 2
    assert capsys.readouterr().err == (f"inkset: error: {defs / 'gcd-covers.toml'}:{line}: "
                                       f"[options] top_characters = -3: must be a whole "
                                       f"number >= 0\n")
    assert not (tmp_path / "home" / "releases").exists()
    assert not (tmp_path / "home" / "data" / "raw").exists()


def test_pixiv_and_folder_definitions_name_their_file(defs):
    from preprocess.image_folder import FolderOptions
    from preprocess.pixiv.options import PixivOptions

    edit(defs / "pixiv-artists.toml", "uniform_fraction = 0.95", "uniform_fraction = 0.2")
    with pytest.raises(DefinitionError, match=rf"^{defs / 'pixiv-artists.toml'}: "
                       r"uniform_fraction must be in \(0.5, 1\], not 0.2$"):
        PixivOptions.load("pixiv-artists")
    with pytest.raises(DefinitionError, match=rf"^{defs / 'demo-shapes.toml'}: size = "
                       r"\[0, 64\]: must be two whole numbers > 0"):
        FolderOptions.from_definition({"dataset": "demo-shapes", "images": {"size": [0, 64]}})


@pytest.mark.parametrize("key, annotation, value, ok", [
    ("seed", "int", 0, True), ("seed", "int", True, False), ("seed", "int", 1.5, False),
    ("white_level", "int", 256, False), ("per_artist", "int", 0, False),
    ("test_fraction", "float", 1.2, False), ("test_fraction", "float", 1, True),
    ("face_enlarge", "float", "2", False), ("keep_ai", "bool", 1, False),
    ("teams", "tuple[str, ...]", ["x", 2], False), ("users", "tuple[int, ...]", [1, 2], True),
    ("description", "str", 3, False), ("split_lists", "dict", [], False),
])
def test_value_problem_by_type_and_range(key, annotation, value, ok):
    assert (value_problem(key, annotation, value) is None) == ok
