"""Every fixture line of GCD characters fields, with its structure written out by hand."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preprocess.gcd.characters import Entry, parse_characters


def E(name, ids=(), members=(), notes=(), prefix=None, flags=()):
    return Entry(name, tuple(ids), tuple(members), tuple(notes), prefix, tuple(flags))


def N(*names, prefix=None):
    return [E(n, prefix=prefix) for n in names]


GL_HAL = E("Green Lantern", ["Hal Jordan"])
JLA = [E("Justice League of America", members=[
    E("Green Lantern", ["Hal Jordan"], notes=["origin"]),
    E("Superman", ["Clark Kent"], notes=["Earth-1"])])]

REAL = {
    "Green Lantern [Hal Jordan]": [GL_HAL],
    "Green Lantern [Hal Jordan]; Green Lantern [John Stewart]; Green Lantern [Abin Sur] "
    "(flashback); Manhunter; Jillian Pearlman; The Shark [Karshon] (cameo); Jim Jordan; "
    "Shane Sellers": [
        GL_HAL, E("Green Lantern", ["John Stewart"]),
        E("Green Lantern", ["Abin Sur"], notes=["flashback"]), *N("Manhunter", "Jillian Pearlman"),
        E("The Shark", ["Karshon"], notes=["cameo"]), *N("Jim Jordan", "Shane Sellers")],
    "Superman [Clark Kent; Kal-El]; Jimmy Olsen; Lois Lane; Perry White; Neo Kekoa; Mercy Graves; "
    "Lex Luthor; Livewire [Leslie Willis]; Parasite; Silver Banshee; Bizarro; Dr. Pharm; Graft": [
        E("Superman", ["Clark Kent", "Kal-El"]),
        *N("Jimmy Olsen", "Lois Lane", "Perry White", "Neo Kekoa", "Mercy Graves", "Lex Luthor"),
        E("Livewire", ["Leslie Willis"]),
        *N("Parasite", "Silver Banshee", "Bizarro", "Dr. Pharm", "Graft")],
    "Superman [Clark Kent; Kal-El]; Livewire [Leslie Willis]; Lex Luthor; Duke Dixon; Neo Kekoa; "
    "Jimmy Olsen; Lois Lane; Mercy Graves; LL-01 (Lex Luthor hologram); Parasite [Rudy Jones]; "
    "Parasite children; Graft; Dr. Pharm; Bizarro; Martha Kent (flashback); Jonathan Kent "
    "(flashback); Jor-El (flashback); Lara (flashback); Superman [Jon Kent] (image); Supergirl "
    "[Kara Zor-El] (image); Super-Man of China [Kong Kenan] (image); Superboy [Conner Kent] (image); "
    "Otho-Ra (image); Osul-Ra (image); Steel [Natasha Irons] (image); Perry White (image); "
    "Silver Banshee (image)": [
        E("Superman", ["Clark Kent", "Kal-El"]), E("Livewire", ["Leslie Willis"]),
        *N("Lex Luthor", "Duke Dixon", "Neo Kekoa", "Jimmy Olsen", "Lois Lane", "Mercy Graves"),
        E("LL-01", notes=["Lex Luthor hologram"]), E("Parasite", ["Rudy Jones"]),
        *N("Parasite children", "Graft", "Dr. Pharm", "Bizarro"),
        *[E(n, notes=["flashback"]) for n in ("Martha Kent", "Jonathan Kent", "Jor-El", "Lara")],
        E("Superman", ["Jon Kent"], notes=["image"]),
        E("Supergirl", ["Kara Zor-El"], notes=["image"]),
        E("Super-Man of China", ["Kong Kenan"], notes=["image"]),
        E("Superboy", ["Conner Kent"], notes=["image"]),
        E("Otho-Ra", notes=["image"]), E("Osul-Ra", notes=["image"]),
        E("Steel", ["Natasha Irons"], notes=["image"]), E("Perry White", notes=["image"]),
        E("Silver Banshee", notes=["image"])],
    "Brainiac": N("Brainiac"),
    "Superman; K-Monkey; Jimmy Olsen": N("Superman", "K-Monkey", "Jimmy Olsen"),
    "Bluebelle [Barbara Gordon]": [E("Bluebelle", ["Barbara Gordon"])],
    "Superman [Clark Kent]": [E("Superman", ["Clark Kent"])],
    "Deadman [Boston Brand]": [E("Deadman", ["Boston Brand"])],
    "Deadman [Boston Brand]; Rama Kushna; Tiny; Liz Martin; Rocky Manzel; Paul": [
        E("Deadman", ["Boston Brand"]), *N("Rama Kushna", "Tiny", "Liz Martin", "Rocky Manzel",
                                           "Paul")],
    "Superman; Jimmy Olsen; Kryptonite Man [Dr. K. Russell Abernathy]; Krypto; K-Monkey; "
    "Jenet Klyburn (cameo); Murphy (cameo); Gina (cameo)": [
        *N("Superman", "Jimmy Olsen"), E("Kryptonite Man", ["Dr. K. Russell Abernathy"]),
        *N("Krypto", "K-Monkey"),
        *[E(n, notes=["cameo"]) for n in ("Jenet Klyburn", "Murphy", "Gina")]],
    "Hugo Strange; Dr. Thirteen": N("Hugo Strange", "Dr. Thirteen"),
    "Hugo Strange (villain); Batman; Dr. Thirteen; Commissioner James Gordon; Deadshot "
    "(flashback); Rupert Thorne; Alfred Pennyworth": [
        E("Hugo Strange", notes=["villain"]),
        *N("Batman", "Dr. Thirteen", "Commissioner James Gordon"),
        E("Deadshot", notes=["flashback"]), *N("Rupert Thorne", "Alfred Pennyworth")],
    "He-Man [Prince Adam]; Superman [Clark Kent]; Teela; Man-At-Arms [Duncan]; Battle Cat "
    "[Cringer]; Sorceress [Teela 'na]; Zodac Zur; Skeletor [Keldor]; Beast Man [Raqquill Rqazz]": [
        E("He-Man", ["Prince Adam"]), E("Superman", ["Clark Kent"]), *N("Teela"),
        E("Man-At-Arms", ["Duncan"]), E("Battle Cat", ["Cringer"]),
        E("Sorceress", ["Teela 'na"]), *N("Zodac Zur"), E("Skeletor", ["Keldor"]),
        E("Beast Man", ["Raqquill Rqazz"])],
    "Catwoman": N("Catwoman"),
}

SYNTAX = {
    "Flash [Barry Allen]": [E("Flash", ["Barry Allen"])],
    "Flash [Jay Garrick]": [E("Flash", ["Jay Garrick"])],
    "Batman [Bruce Wayne; also as Blair Graeme]": [
        E("Batman", ["Bruce Wayne", "also as Blair Graeme"])],
    "Wildcat [Yolanda Montez]": [E("Wildcat", ["Yolanda Montez"])],
    "Superman (origin)": [E("Superman", notes=["origin"])],
    "Batman [Bruce Wayne]; Robin [Dick Grayson]; John Barham (mention only;death); James Barham "
    "(millionaire;death); Adam Barham (Jame's cousin); John Gorley; Sheriff Martin; Robert Cray "
    "(villain;introduction); Vance Sonderson [as Jay Sonderson] (villain,gun smuggler,"
    "introduction)": [
        E("Batman", ["Bruce Wayne"]), E("Robin", ["Dick Grayson"]),
        E("John Barham", notes=["mention only", "death"]),
        E("James Barham", notes=["millionaire", "death"]),
        E("Adam Barham", notes=["Jame's cousin"]), *N("John Gorley", "Sheriff Martin"),
        E("Robert Cray", notes=["villain", "introduction"]),
        E("Vance Sonderson", ["as Jay Sonderson"],
          notes=["villain", "gun smuggler", "introduction"])],
    'Wilfred of Ivanhoe (introduction; not named,referred to as "a stranger")': [
        E("Wilfred of Ivanhoe", notes=["introduction", "not named",
                                       'referred to as "a stranger"'])],
    "Agent Daisy Caruthers [Dugan];VILLAIN: Sentinels; Zigfried Trask;CAMEOS: The Consortium": [
        E("Agent Daisy Caruthers", ["Dugan"]), *N("Sentinels", "Zigfried Trask", prefix="villain"),
        *N("The Consortium", prefix="cameos")],
    "CAMEO FLASHBACKS: Dietrich Trask; Wolverine; Cyclops; Iceman; Angel; Storm; Gambit": N(
        "Dietrich Trask", "Wolverine", "Cyclops", "Iceman", "Angel", "Storm", "Gambit",
        prefix="cameo flashbacks"),
    "FEATURE: Fantastic Four [Mr. Fantastic; Invisible Girl; Human Torch [Johnny Storm]; "
    "The Thing]; GUESTS: Crystal; Lockjaw; VILLAIN: Diablo": [
        E("Fantastic Four", prefix="feature", members=[
            E("Mr. Fantastic"), E("Invisible Girl"), E("Human Torch", ["Johnny Storm"]),
            E("The Thing")]),
        *N("Crystal", "Lockjaw", prefix="guests"), *N("Diablo", prefix="villain")],
    "camp kids [Richard (Richie, boy in wheelchair); Timmy; Tony; and others];": [
        E("camp kids", members=[E("Richard", notes=["Richie", "boy in wheelchair"]),
                                *N("Timmy", "Tony", "and others")])],
    "Batman [ also APpears as Bruce Wayne]": [E("Batman", ["also APpears as Bruce Wayne"])],
    "Justice League of America [Green Lantern [Hal Jordan] (origin); Superman [Clark Kent] "
    "(Earth-1)]": JLA,
    "Sam Zabel; Mr. Lupicinus; Cynthia; Moxie; Toxie; Tisco": N(
        "Sam Zabel", "Mr. Lupicinus", "Cynthia", "Moxie", "Toxie", "Tisco"),
    "Jimmy Olsen (origin, death)": [E("Jimmy Olsen", notes=["origin", "death"])],
    "Red Tornado [Ma Hunkel] (cameo)": [E("Red Tornado", ["Ma Hunkel"], notes=["cameo"])],
    "Green Lantern [Hal Jordan]; Green Lantern [Alan Scott] (cameo)": [
        GL_HAL, E("Green Lantern", ["Alan Scott"], notes=["cameo"])],
    "Batman (photo of Adam West)": [E("Batman", notes=["photo of Adam West"])],
    "Justice League of America [Green Lantern [Hal Jordan] (origin); Superman [Clark Kent] "
    "(Earth-1)];": JLA,
    "Justice Society of America [Superman [Clark Kent] (Earth-2); Flash [Jay Garrick] (cameo)]": [
        E("Justice Society of America", members=[
            E("Superman", ["Clark Kent"], notes=["Earth-2"]),
            E("Flash", ["Jay Garrick"], notes=["cameo"])])],
    "Green Lantern [John Stewart]; Justice League [Superman [Clark Kent; Kal-El]; Batman "
    "[Bruce Wayne]]; Jimmy Olsen (origin, death);": [
        E("Green Lantern", ["John Stewart"]),
        E("Justice League", members=[E("Superman", ["Clark Kent", "Kal-El"]),
                                     E("Batman", ["Bruce Wayne"])]),
        E("Jimmy Olsen", notes=["origin", "death"])],
}


def fixture_lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("name,table", [("characters_real.txt", REAL),
                                        ("characters_syntax_examples.txt", SYNTAX)])
def test_every_fixture_line_parses_to_its_hand_written_structure(shared_fixtures, name, table):
    lines = fixture_lines(shared_fixtures / "gcd" / name)
    assert set(lines) == set(table), "a fixture line has no hand-written expectation"
    for line in lines:
        assert parse_characters(line) == table[line], line


@pytest.mark.parametrize("raw,expected", [
    ("Batman [Bruce Wayne; Robin; Alfred", [E("Batman", ["Bruce Wayne"],
                                             flags=["unbalanced_bracket"]), *N("Robin", "Alfred")]),
    ("[Power Man] Luke Cage; Iron Fist", [E("Luke Cage", ["Power Man"], flags=["leading_bracket"]),
                                          *N("Iron Fist")]),
    ("A [x][y]; B", [E("A", ["x", "y"], flags=["repeated_brackets"]), *N("B")]),
    ("Robin]; Batgirl", [E("Robin", flags=["stray_closing_bracket"]), *N("Batgirl")]),
    ("Superman [Clark Kent, Kal-El]", [E("Superman", ["Clark Kent", "Kal-El"])]),
    ("Alfred  Pennyworth;   Lucius&nbsp;Fox &amp; son", N("Alfred Pennyworth", "Lucius Fox & son")),
    ("", []), (";;", []),
])
def test_noise_is_recovered_and_flagged(raw, expected):
    assert parse_characters(raw) == expected


def test_known_teams_are_teams_even_without_nested_brackets():
    (entry,) = parse_characters("Teen Titans [Robin; Kid Flash]",
                                teams=frozenset({"Teen Titans"}))
    assert entry.is_team and [m.name for m in entry.members] == ["Robin", "Kid Flash"]
    (entry,) = parse_characters("Teen Titans [Robin; Kid Flash]")
    assert entry.identities == ("Robin", "Kid Flash")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="[]();:, aZ&", max_size=400))
def test_any_string_parses_in_bounded_time(raw):
    started = time.perf_counter()
    entries = parse_characters(raw)
    assert time.perf_counter() - started < 0.5
    assert all(isinstance(e, Entry) for e in entries)


@pytest.mark.parametrize("raw", ["[" * 20000, "([" * 10000, "]" * 20000, "a [b (c; d] e) f;" * 2000])
def test_pathological_strings_stay_fast(raw):
    started = time.perf_counter()
    parse_characters(raw)
    assert time.perf_counter() - started < 2.0


def test_the_shipped_team_file_names_teams_and_aliases():
    from preprocess.gcd.teams import load_names

    names = load_names()
    assert "Justice League of America" in names.teams
    assert names.canonical_name("Justice League of America") == "Justice League"
    assert names.canonical_name("Kal-El") == "Superman"
    assert names.canonical_name("Jimmy Olsen") == "Jimmy Olsen"
    (entry,) = parse_characters("Avengers [Thor; Iron Man]", teams=names.teams)
    assert entry.is_team
