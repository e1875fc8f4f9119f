"""Three more invented pages, written after the importer, in the flattened style of the
seed page: a wildfire (no post times, Share lines on only some posts, a welcome with no
Share line before the next post, a Chinese footer), an election night (clock times that
pass midnight, bylines, key-events entries with their times on their own lines, a
Devanagari footer) and a cup final ("69 min:" entries, a standfirst, an English footer).
The expected structure is what the pages say, written down by hand before parsing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from liveblog.textimport import ParseResult, parse_text, render_text
from liveblog.textimport.elements import attribution
from liveblog.textimport.times import TimeKind, clock_dates
from tests.textimport.textimport_checks import assert_every_line_accounted

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "text"


def _parse(name: str) -> tuple[list[str], ParseResult]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    result = parse_text(text)
    assert_every_line_accounted(text, result)
    assert parse_text(text).blog == result.blog
    assert parse_text(render_text(result.blog)).blog == result.blog
    return ["", *text.split("\n")], result  # lines[n] is line n, as in post_lines


def _assert_verbatim(lines: list[str], result: ParseResult) -> None:
    """Every headline, paragraph, bullet, quote, caption and alt line is a page line as written."""
    for post, numbers in zip(result.blog["posts"], result.post_lines, strict=True):
        own = {lines[n].strip() for n in numbers}
        label = post.get("time_label")
        # An inline label ("69 min: GOAL! ...") is split from the entry's first paragraph.
        own |= {t.split(": ", 1)[1] for t in own if label and t.startswith(f"{label}: ")}
        if post["title"]:
            assert post["title"] in own
        for element in post["elements"]:
            if element["type"] == "text":
                for row in element["markdown"].split("\n"):
                    bullet = f"• {row[2:]}" if row.startswith("- ") else None
                    assert row in own or bullet in own, row
            elif element["type"] == "quote":
                assert element["text"] + "”" in own
            elif element["type"] == "image":
                assert f"{element['caption']} Photograph: {element['credit']}" in own
                assert element["alt"] in own or element["alt"] == element["caption"]


def _discarded(lines: list[str], result: ParseResult) -> dict[int, str]:
    return {n: lines[n].strip() for n, _, _ in result.discarded}


def test_wildfire() -> None:
    lines, result = _parse("wildfire_seed_style.txt")
    _assert_verbatim(lines, result)
    blog = result.blog
    assert blog["title"] == (
        "Serrano Ridge wildfire: thousands leave Calvera as flames reach the edge of town"
    )
    assert blog["section"] == "World news" and blog["standfirst"] is None
    posts = blog["posts"]
    # Oldest first: the page's last post is the welcome, which has no Share line between
    # it and the headed post above it on the page.
    assert [p["title"] for p in posts] == [
        None,
        "Fire crosses the ridge road overnight",
        "Schools closed in three towns",
        None,
        "Prime minister cancels trip abroad to visit the fire zone",
        "Two firefighters injured near Teruela",
        "Army helicopters join the water drops",
        "Summary",
        "Evacuation order: what residents of Calvera need to know",
        None,
        "Why did the fire jump the Lora river?",
        None,
        None,
    ]
    assert result.post_lines == [
        [131, 133],
        [125, 127, 129],
        [121, 123],
        [117, 119],
        [107, 109, 111, 113],
        [97, 99, 101, 103],
        [89, 91, 93, 95],
        [71, 73, 75, 77, 79, 81, 83, 85, 87],
        [6, 8, 10, 12, 14, 15, 17, 57, 59, 61, 63, 65, 67],
        [51, 53],
        [35, 37, 39, 41, 42, 44, 45, 47],
        [33],
        [27, 29],
    ]
    assert [i for i, p in enumerate(posts) if p["pinned"]] == [8]
    assert [i for i, p in enumerate(posts) if p["edited"]] == [8]
    assert [i for i, p in enumerate(posts) if p["key_event"]] == [7, 8, 10]
    assert [i for i, p in enumerate(posts) if p["summary"]] == [7]
    assert all("time_label" not in p and "published_at" not in p for p in posts)

    summary = posts[7]
    assert [e["type"] for e in summary["elements"]] == ["text", "text", "image", "text"]
    assert summary["elements"][0]["markdown"] == "Here is where things stand on Saturday afternoon:"
    assert [len(e["markdown"].split("\n")) for e in summary["elements"][1::2]] == [3, 3]
    assert summary["elements"][3]["markdown"].split("\n")[-1] == (
        "- The prime minister has cancelled a trip abroad to visit the fire zone."
    )
    # The photo among the bullets has no alt line: the caption stands in for it.
    plane = summary["elements"][2]
    assert plane["caption"] == "A water-bombing plane flies low over the ridge above Calvera."
    assert plane["alt"] == plane["caption"] and plane["credit"] == "Tomas Orriols/Ostra Press"

    # The top copy carries an alt line with a straight apostrophe; the stream copy has
    # only the caption with a curly one. One image, alt from the top copy.
    pinned = posts[8]
    assert [e["type"] for e in pinned["elements"]] == ["text", "text", "text", "image", "text"]
    bus = pinned["elements"][3]
    assert bus["alt"] == lines[14] and bus["caption"] == lines[15].split(" Photograph:")[0]
    assert bus["credit"] == "Nuria Belmonte/Ostra Press"

    river = posts[10]
    assert [e["type"] for e in river["elements"]] == ["text", "text", "image", "image", "text"]
    assert [(e["alt"], e["credit"]) for e in river["elements"][2:4]] == [
        (lines[41], "Tomas Orriols/Ostra Press"),
        (lines[44], "Nuria Belmonte/Ostra Press"),
    ]
    injured = posts[5]["elements"][2]
    assert (
        injured["alt"]
        == injured["caption"]
        == ("Firefighters rest beside their truck on the road to Teruela.")
    )

    # A post that opens with a quotation in full (both marks) is prose, not a blockquote.
    evacuee = posts[9]
    assert [e["type"] for e in evacuee["elements"]] == ["text", "text"]
    assert evacuee["elements"][0]["markdown"] == lines[51]
    prime_minister = posts[4]
    assert prime_minister["elements"][2] == {
        "type": "quote",
        "text": lines[113][:-1],
        "attribution": "Ilse Marganto",
    }
    assert [p["sources"] for p in posts] == [
        [],
        ["AFP"],
        ["Calvera Education Department"],
        ["Eskora"],
        [],
        ["Valdoran Civil Protection Agency"],
        ["Reuters"],
        [],
        [],
        [],
        ["Valdoran Meteorological Office"],
        [],
        [],
    ]
    assert [i for i, p in enumerate(posts) if p["verification"]] == [6]
    assert posts[6]["verification"] == "unverified"
    assert _discarded(lines, result) == {
        1: "5",
        19: "Key events",
        21: "Why did the fire jump the Lora river?",
        23: "Evacuation order: what residents of Calvera need to know",
        25: "Summary",
        31: "Share",
        49: "Share",
        55: "Share",
        69: "Updated at",
        105: "Share",
        115: "Share",
        135: "Share",
        137: "相关文章",
        139: "返回顶部",
    }


def test_election_night() -> None:
    lines, result = _parse("election_night_clock.txt")
    _assert_verbatim(lines, result)
    blog = result.blog
    assert blog["title"] == (
        "Carrick general election 2031: results as counting goes on through the night"
    )
    assert blog["section"] == "Politics" and blog["standfirst"] is None
    posts = blog["posts"]
    assert [p["title"] for p in posts] == [
        None,
        "What time will we know the result?",
        None,
        "Exit poll: Civic Alliance largest party but short of a majority",
        None,
        "First result: Greens hold Dunmore South",
        "Turnout heading for a record, officials say",
        "Summary",
        "Recount requested in Ashby North",
        "Civic Alliance wins Westmarch by 312 votes",
        "Is this the end of the two-party era?",
        "Mallory concedes: “The voters have spoken”",
        "Civic Alliance on course to form the next government",
        None,
    ]
    labels = ["21:00", "21:35", "22:00", "22:01", "22:30", "23:10", "23:40"]
    labels += ["00:05", "00:30", "00:55", "01:20", "01:45", "02:10", "02:30"]
    assert [p["time_label"] for p in posts] == labels
    # The page is dated Sunday 9 November; the posts after midnight are on the 10th.
    assert [p["published_at"] for p in posts] == [
        f"2031-11-{'09' if i < 7 else '10'}T{label}:00" for i, label in enumerate(labels)
    ]
    assert [p["authors"] for p in posts] == [
        ["Oona Petrie"],
        *[[]] * 7,
        ["Tam Oduya"],
        [],
        ["Dara Finch"],
        [],
        ["Oona Petrie"],
        [],
    ]
    assert [i for i, p in enumerate(posts) if p["pinned"]] == [12]
    assert result.post_lines[12] == [7, 9, 11, 13, 35, 37, 39, 41, 43]
    assert [i for i, p in enumerate(posts) if p["key_event"]] == [3, 10, 12]
    assert [i for i, p in enumerate(posts) if p["edited"]] == [7, 9]
    assert [i for i, p in enumerate(posts) if p["summary"]] == [7]

    summary = posts[7]
    assert [e["type"] for e in summary["elements"]] == ["text", "text", "image", "text"]
    assert [len(e["markdown"].split("\n")) for e in summary["elements"][1::2]] == [2, 3]
    boxes = summary["elements"][2]
    assert boxes["alt"] == "Ballot boxes are emptied onto the counting tables in Lisk."
    assert boxes["caption"] == (
        "Ballot boxes are emptied onto the counting tables at the Lisk exhibition centre."
    )
    westmarch = posts[9]
    assert [e["type"] for e in westmarch["elements"]] == ["text", "image", "image", "text"]
    first, second = westmarch["elements"][1:3]
    assert first["alt"] == lines[77] and first["caption"] != first["alt"]
    assert (
        second["alt"]
        == second["caption"]
        == ("Piet Arendal is congratulated by the returning officer.")
    )
    assert {first["credit"], second["credit"]} == {"Lena Sorvik/Carrick Pictures"}
    tolland = posts[5]["elements"][1]
    assert tolland["type"] == "image" and tolland["alt"] == tolland["caption"]

    queues = posts[4]
    assert [e["type"] for e in queues["elements"]] == ["text", "text"]
    assert queues["elements"][0]["markdown"] == lines[145]
    assert posts[10]["elements"][-1] == {
        "type": "quote",
        "text": lines[67][:-1],
        "attribution": "Ana Kovac",
    }
    assert posts[2]["elements"] == [{"type": "text", "markdown": lines[163]}]
    sources = {i: p["sources"] for i, p in enumerate(posts) if p["sources"]}
    assert sources == {
        6: ["Carrick Electoral Commission", "Associated Press"],
        11: ["Reuters"],
    }
    assert [(i, p["verification"]) for i, p in enumerate(posts) if p["verification"]] == [
        (8, "unverified")
    ]
    shares = [33, 45, 55, 69, 84, 98, 119, 131, 141, 149, 159, 165, 175, 183]
    assert _discarded(lines, result) == {
        1: "31",
        15: "Key events",
        17: "02:10",
        19: "Civic Alliance on course to form the next government",
        21: "01:20",
        23: "Is this the end of the two-party era?",
        25: "22:01",
        27: "Exit poll: Civic Alliance largest party but short of a majority",
        **dict.fromkeys(shares, "Share"),
        86: "Updated at 01:02",
        121: "Updated at 00:19",
        185: "संबंधित पोस्ट",
        187: "ऊपर जाएं",
    }


def test_cup_final_minutes() -> None:
    lines, result = _parse("cup_final_minutes.txt")
    _assert_verbatim(lines, result)
    blog = result.blog
    assert blog["title"] == (
        "Kestrel Town 2-2 Harbour United (4-3 on penalties): Northern Cup final"
    )
    assert blog["section"] == "Football"
    assert blog["standfirst"] == lines[5] and 5 in result.header_lines
    posts = blog["posts"]
    minutes = ["1 min", "9 min", "22 min", "38 min", "Half-time", "61 min", "69 min"]
    minutes += ["76 min", "84 min", "90+3 min", "FT"]
    assert [p["title"] for p in posts] == [
        None,
        "Can Harbour United end their eleven-year wait?",
        "Team news: Varley starts for Kestrel, Cisse on the bench",
        *[None] * len(minutes),
        "Kestrel Town win the Northern Cup on penalties",
    ]
    assert [p.get("time_label") for p in posts] == [None, None, None, *minutes, None]
    assert all("published_at" not in p for p in posts)
    assert not any(p["pinned"] or p["summary"] for p in posts)
    assert [i for i, p in enumerate(posts) if p["key_event"]] == [2, 14]
    assert [i for i, p in enumerate(posts) if p["edited"]] == [10]
    # The text after an inline minute label is the entry's first paragraph, as written.
    assert posts[4]["elements"] == [
        {
            "type": "text",
            "markdown": "GOAL! Kestrel Town 1-0 Harbour United. Jon Varley scores from the "
            "penalty spot after a handball by Sels.",
        },
        {"type": "text", "markdown": lines[50]},
    ]
    assert posts[7]["elements"][0]["markdown"].startswith("Kestrel Town 1-1 Harbour United.")
    rask = posts[9]["elements"]
    assert [e["type"] for e in rask] == ["text", "image"]
    assert rask[1]["alt"] == rask[1]["caption"]
    assert rask[1]["credit"] == "Mo Achterberg/Northern Sport Pictures"
    final = posts[14]
    assert [e["type"] for e in final["elements"]] == ["text", "text", "image", "image"]
    save, celebration = final["elements"][2:]
    assert save["alt"] == lines[19] and save["caption"] != save["alt"]
    assert celebration["alt"] == celebration["caption"]
    assert posts[1]["elements"][2] == {
        "type": "quote",
        "text": lines[72][:-1],
        "attribution": "Petra Lund",
    }
    assert {i: p["sources"] for i, p in enumerate(posts) if p["sources"]} == {4: ["PA Media"]}
    assert [(i, p["verification"]) for i, p in enumerate(posts) if p["verification"]] == [
        (10, "unverified")
    ]
    assert _discarded(lines, result) == {
        1: "18",
        7: "Key events",
        9: "Kestrel Town win the Northern Cup on penalties",
        11: "Team news: Varley starts for Kestrel, Cisse on the bench",
        24: "Share",
        34: "Updated at",
        54: "Share",
        64: "Share",
        74: "Share",
        78: "Share",
        80: "Related posts",
        82: "Back to top",
    }


def test_quote_speaker_named_by_surname_after_full_name() -> None:
    page = (
        "Harbour works – live | Local\n\n"
        "Dock gates to close for a week\n\n"
        "The harbour master, Ellen Brook, said the gates would close on Monday.\n\n"
        "Asked about the fishing fleet, Brook said the boats would moor outside.\n\n"
        "Nobody will lose a day at sea because of this.”\n\n"
        "Share\n"
    )
    quote = parse_text(page).blog["posts"][0]["elements"][-1]
    assert quote["attribution"] == "Ellen Brook"
    # Two people with the surname: no guess.
    two = page.replace("The harbour master, Ellen Brook,", "Ellen Brook and Tom Brook")
    assert parse_text(two).blog["posts"][0]["elements"][-1]["attribution"] is None


def test_welcome_opens_its_own_post() -> None:
    page = (
        "Harbour works – live | Local\n\n"
        "Dock gates to close for a week\n\n"
        "The gates will close on Monday, the port said.\n\n"
        "Good morning and welcome to our coverage of the harbour works.\n\n"
        "We will bring you the latest through the day.\n"
    )
    posts = parse_text(page).blog["posts"]
    assert [p["title"] for p in posts] == [None, "Dock gates to close for a week"]
    assert len(posts[0]["elements"]) == 2


def test_clock_dates_pass_midnight_only_on_a_large_step_back() -> None:
    labels: list[tuple[TimeKind, str] | None] = [
        ("clock", "23:40"),
        None,
        ("clock", "23:35"),  # a post a few minutes out of order, not another day
        ("clock", "00:05"),
        ("clock", "00:20"),
    ]
    days, midnights = clock_dates(labels, date(2031, 11, 9))
    assert [d.day if d else None for d in days] == [9, 9, 9, 10, 10]
    assert midnights == 1
    assert clock_dates(labels, None) == ([None] * 5, 0)


def test_there_points_back_to_the_place_just_named() -> None:
    page = (
        "Evacuation – live | Local\n\n"
        "About 300 people spent the night at the leisure centre in Brill.\n\n"
        "Staff there have put up enough camp beds to last until Tuesday.\n\n"
        "The coast road reopened at 6am after the floodwater drained away.\n"
    )
    # No Share lines: the boundaries come from the prose, newest post first on the page.
    posts = parse_text(page).blog["posts"]
    assert [len(p["elements"]) for p in posts] == [1, 2]


@pytest.mark.parametrize(
    ("before", "speaker"),
    [
        # The paragraph is about one named person, and their words follow.
        (
            "Harbour chief Ilse Varga – who flew in overnight – has urged calm on the quays.",
            "Ilse Varga",
        ),
        # Passive: the person is the news, not the speaker.
        ("Tomas Brandt has been charged with arson, police said.", None),
        ("Tomas Brandt has been charged with arson.", None),
        # Two sentences: the subject of the last one is not clearly the speaker.
        ("Crews are still searching. Ranger Ada Moss has warned of more fires.", None),
        # Two people named: no guess.
        ("Ilse Varga has thanked her deputy Ola Nord for the night's work.", None),
    ],
)
def test_a_quote_after_a_paragraph_about_one_person(before: str, speaker: str | None) -> None:
    assert attribution(before) == speaker
