"""The data file of agencies, broadcasters and institutions (textimport/data/sources.toml):
it loads, every entry is well formed, and the citation forms decide what counts, in each
language, on sentences of our own."""

from __future__ import annotations

import pytest

from liveblog.textimport.known import (
    KINDS,
    LANGUAGES,
    SourceDataError,
    known_sources,
    parse_known,
)
from liveblog.textimport.sources import find_sources

# The agencies and public broadcasters issue #14 names, by their name in the file.
NAMED = [
    "AP",
    "AFP",
    "Reuters",
    "DPA",
    "EFE",
    "ANSA",
    "Kyodo",
    "Xinhua",
    "Yonhap",
    "PTI",
    "AAP",
    "Anadolu",
    "TASS",
    "RIA",
    "Ukrinform",
    "ANP",
    "Lusa",
    "Petra",
    "IRNA",
    "ISNA",
    "ČTK",
    "Ritzau",
    "NTB",
    "TT",
    "PAP",
    "MTI",
    "Belga",
    "APA",
    "Keystone-SDA",
    "Jiji",
    "Bernama",
    "Antara",
    "CNA",
    "ANI",
    "IANS",
    "WAFA",
    "MENA",
    "QNA",
    "SPA",
    "KUNA",
    "BBC",
    "NHK",
    "ARD",
    "ZDF",
    "RAI",
    "RTVE",
    "NOS",
    "ABC",
    "CBC",
    "ISW",
    "ERT",
    "IRIB",
    "Doordarshan",
    "Agência Brasil",
    "France Info",
    "RTÉ",
]

CITATION = "[citation]\n" + "".join(f'{lang} = ["told {{source}}"]\n' for lang in LANGUAGES)


def test_the_file_loads_and_names_the_main_agencies_and_broadcasters() -> None:
    known = known_sources()
    names = {s.name for s in known.sources}
    assert set(NAMED) <= names
    assert len(names) == len(known.sources)  # no entry twice
    assert {s.kind for s in known.sources} == set(KINDS)
    assert set(known.citations) == set(LANGUAGES)


def test_every_entry_is_well_formed() -> None:
    for source in known_sources().sources:
        assert source.name.strip() == source.name and source.name
        assert source.kind in KINDS
        assert source.country == "intl" or (len(source.country) == 2 and source.country.isupper())
        for written in (*source.spellings, *source.aliases):
            assert written.strip() == written and written != source.name
            assert known_sources().canonical(written) == source.name


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('name = "X"\nkind = "agency"', "country"),
        ('name = "X"\nkind = "newspaper"\ncountry = "GB"', "kind"),
        ('kind = "agency"\ncountry = "GB"', "name"),
        ('name = "X"\nkind = "agency"\ncountry = "GB"\naliases = "Y"', "aliases"),
        ('name = "X"\nkind = "agency"\ncountry = "GB"\ncited_only = "yes"', "cited_only"),
        ('name = "X"\nkind = "agency"\ncountry = "GB"\nlogo = "x.png"', "unknown keys"),
        (
            'name = "X"\nkind = "agency"\ncountry = "GB"\n[[source]]\nname = "Y"\n'
            'kind = "agency"\ncountry = "GB"\naliases = ["X"]',
            "names both",
        ),
    ],
)
def test_a_malformed_entry_is_refused_with_what_is_wrong(entry: str, message: str) -> None:
    with pytest.raises(SourceDataError, match=message):
        parse_known(CITATION + "[[source]]\n" + entry + "\n")


def test_a_citation_form_needs_its_placeholder_and_every_language() -> None:
    entry = '[[source]]\nname = "X"\nkind = "agency"\ncountry = "GB"\n'
    with pytest.raises(SourceDataError, match="must hold"):
        parse_known(CITATION.replace("told {source}", "told", 1) + entry)
    with pytest.raises(SourceDataError, match="no forms for 'fa'"):
        parse_known(CITATION.replace('fa = ["told {source}"]\n', "") + entry)
    assert parse_known(CITATION + entry).canonical("x") == "X"


def test_an_agency_counts_wherever_it_is_named_under_its_short_name() -> None:
    assert find_sources("Kyodo News said the ferry had sailed.") == ["Kyodo"]
    assert find_sources("Figures from the Anadolu Agency put the toll at 12.") == ["Anadolu"]
    # A spelling of the name itself is kept as the page writes it.
    assert find_sources("Tass carried the decree in full.") == ["Tass"]
    # Two ways of naming one agency are one source, named as first written.
    assert find_sources("The Associated Press counted 40. AP later said 41.") == [
        "Associated Press"
    ]


def test_a_broadcaster_or_ambiguous_name_counts_only_when_cited() -> None:
    assert find_sources("The BBC has sent a team to the coast.") == []
    assert find_sources("The mayor told the BBC the road would reopen.") == ["BBC"]
    assert find_sources("Tourists queued at Petra before dawn.") == []
    assert find_sources("Sky News is reporting that the vote was close.") == ["Sky News"]
    assert find_sources("NHK footage showed the river over its banks.") == ["NHK"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le maire a déclaré à France Info que l'école restait fermée.", ["France Info"]),
        ("« Nous restons prudents », a-t-il dit selon la RTBF.", ["RTBF"]),
        ("Der Bürgermeister sagte dem MDR, die Brücke bleibe zu.", ["MDR"]),
        ("Wie die Nachrichtenagentur dpa meldet, ist der Pegel gesunken.", ["dpa"]),
        ("El alcalde dijo a RTVE que el puente seguirá cerrado.", ["RTVE"]),
        ("Lo ha riferito l'ANSA poco dopo le undici.", ["ANSA"]),
        ("O prefeito disse à Agência Brasil que a avenida reabre amanhã.", ["Agência Brasil"]),
        ("De burgemeester zei tegen de NOS dat de brug dicht blijft.", ["NOS"]),
        ("وقال المتحدث لقناة الجزيرة إن الطريق مغلق.", []),
        ("وقالت الجزيرة إن الطريق مغلق.", ["Al Jazeera"]),
        ("به گزارش ایرنا، جاده بسته است.", ["IRNA"]),
        ("خبرگزاری فارس گزارش داد که پرواز لغو شد.", ["Fars"]),
    ],
)
def test_citation_forms_in_other_languages(text: str, expected: list[str]) -> None:
    assert find_sources(text) == expected
