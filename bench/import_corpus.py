"""How well `liveblog import-text` reads pages it was not written for.

Runs the text importer's parser on every ``NAME.txt`` of a corpus that has a
``NAME.expected.json`` beside it (default: tests/fixtures/corpus, format in its README) and
prints, per page and over the corpus, the figures of ``liveblog.textimport.score``:
post-boundary precision and recall, title accuracy, elements (type and lines; image credits;
quote attributions), line roles, sources, flags and discarded lines. Corpus figures are
micro figures: counts added over the pages, then divided.

No server and no database: the parser is a pure function.

    .venv/bin/python bench/import_corpus.py
    .venv/bin/python bench/import_corpus.py --page rail-strike-day-two --page ar-amman-rain
    .venv/bin/python bench/import_corpus.py --markdown            # the table for the docs
    .venv/bin/python bench/import_corpus.py --json var/bench/import-corpus.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from _common import ROOT, write_figures
from liveblog.textimport import parse_text
from liveblog.textimport.score import FLAGS, Score, format_figure, score_page

CORPUS = ROOT / "tests" / "fixtures" / "corpus"

# The columns of the per-page table: (heading, figure).
COLUMNS = (
    ("bnd P", "boundary_precision"),
    ("bnd R", "boundary_recall"),
    ("title", "title_accuracy"),
    ("el P", "element_precision"),
    ("el R", "element_recall"),
    ("lines", "line_role_accuracy"),
    ("credit", "credit_accuracy"),
    ("attrib", "attribution_accuracy"),
    ("src P", "source_precision"),
    ("src R", "source_recall"),
    ("disc P", "discarded_precision"),
    ("disc R", "discarded_recall"),
)


def score_corpus(corpus: Path, names: list[str]) -> tuple[dict[str, Score], float]:
    scores: dict[str, Score] = {}
    started = time.perf_counter()
    for name in names:
        text = (corpus / f"{name}.txt").read_text(encoding="utf-8")
        expected = json.loads((corpus / f"{name}.expected.json").read_text(encoding="utf-8"))
        scores[name] = score_page(text, expected, parse_text(text))
    return scores, time.perf_counter() - started


def _table(rows: list[tuple[str, dict[str, float | None]]], markdown: bool) -> list[str]:
    heads = ["page", *(h for h, _ in COLUMNS)]
    body = [[name, *(format_figure(fig[key]) for _, key in COLUMNS)] for name, fig in rows]
    if markdown:
        out = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
        out += ["| " + " | ".join(row) + " |" for row in body]
        return out
    width = max(len(r[0]) for r in [heads, *body])
    out = [heads[0].ljust(width) + "".join(h.rjust(7) for h in heads[1:])]
    out += [row[0].ljust(width) + "".join(c.rjust(7) for c in row[1:]) for row in body]
    return out


def _flags(total: Score, markdown: bool) -> list[str]:
    fig = total.figures()
    c = total.counts
    if markdown:
        out = [
            "| flag | expected | found | right | precision | recall |",
            "|---|---|---|---|---|---|",
        ]
        for flag in FLAGS:
            out.append(
                f"| {flag} | {c[flag + '_exp']} | {c[flag + '_pred']} | {c[flag + '_hit']} | "
                f"{format_figure(fig[flag + '_precision'])} | "
                f"{format_figure(fig[flag + '_recall'])} |"
            )
        return out
    out = ["flag          expected  found  right  precision  recall"]
    for flag in FLAGS:
        out.append(
            f"{flag:<12} {c[flag + '_exp']:>9} {c[flag + '_pred']:>6} {c[flag + '_hit']:>6} "
            f"{format_figure(fig[flag + '_precision']):>10} "
            f"{format_figure(fig[flag + '_recall']):>7}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="directory of pages")
    parser.add_argument("--page", action="append", default=[], help="only this page (repeat)")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    corpus: Path = args.corpus
    names = args.page or sorted(
        p.name[: -len(".expected.json")] for p in corpus.glob("*.expected.json")
    )
    missing = [n for n in names if not (corpus / f"{n}.txt").exists()]
    if not names or missing:
        print(f"no page to score in {corpus}: {', '.join(missing) or 'none found'}")
        return 2
    scores, seconds = score_corpus(corpus, names)
    total = sum(scores.values(), Score())
    rows = [(name, s.figures()) for name, s in scores.items()]
    rows.append((f"corpus ({len(names)} pages)", total.figures()))
    print("\n".join(_table(rows, args.markdown)))
    print()
    print("\n".join(_flags(total, args.markdown)))
    c = total.counts
    print()
    print(
        f"{len(names)} pages, {c['boundary_exp']} posts expected, {c['boundary_pred']} found, "
        f"{c['element_exp']} elements expected, {c['role_lines']} lines; "
        f"parsed and scored in {seconds:.2f} s. Figures in per cent."
    )
    if args.json is not None:
        write_figures(
            args.json,
            {
                "corpus": total.figures(),
                "counts": dict(total.counts),
                "pages": {name: s.figures() for name, s in scores.items()},
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
