"""The data file of page furniture (textimport/data/furniture.toml): it loads, every
table is well formed, and its labels are recognised in each language, on lines of our own,
while sentences that merely contain such a word stay content."""

from __future__ import annotations

import pytest

from liveblog.textimport.furniture import (
    FurnitureDataError,
    classify_furniture,
    furniture_data,
    parse_furniture,
)

LANGUAGES = {"en", "fr", "de", "es", "it", "pt", "nl", "ar", "fa"}


def test_the_file_loads_and_covers_the_languages() -> None:
    data = furniture_data()
    assert data.languages >= LANGUAGES
    kinds = {kind for kind, _ in data.lines.values()}
    assert {"share", "keyevents", "other"} <= kinds
    assert data.prefixes  # the "Updated at" stamps


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[x]\nkind = "button"\nreason = "r"\nen = ["a"]', "kind"),
        ('[x]\nkind = "other"\nen = ["a"]', "reason"),
        ('[x]\nkind = "other"\nreason = "r"\nmatch = "word"\nen = ["a"]', "match"),
        ('[x]\nkind = "other"\nreason = "r"\nenglish = ["a"]', "language code"),
        ('[x]\nkind = "other"\nreason = "r"\nen = []', "non-empty list"),
        ('[x]\nkind = "other"\nreason = "r"\nen = ["Share"]', "lower case"),
        ('[x]\nkind = "other"\nreason = "r"\nen = ["share:"]', "lower case"),
    ],
)
def test_a_malformed_table_is_refused_with_what_is_wrong(table: str, message: str) -> None:
    with pytest.raises(FurnitureDataError, match=message):
        parse_furniture(table)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Teilen", "share"),
        ("Partager", "share"),
        ("Compartir", "share"),
        ("Condividi", "share"),
        ("Compartilhe", "share"),
        ("Delen", "share"),
        ("مشاركة", "share"),
        ("اشتراک‌گذاری", "share"),
        ("Aktualisiert um 18:03 Uhr", "updated"),
        ("Mis à jour à 23h52", "updated"),
        ("Actualizado: 21:58", "updated"),
        ("Aggiornato alle 01:12", "updated"),
        ("Atualizado há 3 minutos", "updated"),
        ("Bijgewerkt om 10.41 uur", "updated"),
        ("آخر تحديث: 18:40", "updated"),
        ("به‌روزرسانی: ۱۳:۳۵", "updated"),
        ("Wichtige Ereignisse", "keyevents"),
        ("Punti chiave", "keyevents"),
        ("Belangrijkste gebeurtenissen", "keyevents"),
        ("أبرز الأحداث", "keyevents"),
        ("رویدادهای مهم", "keyevents"),
        ("Retour en haut de la page", "other"),
        ("Voltar ao topo", "other"),
        ("بازگشت به بالا", "other"),
        ("Show 9 more updates", "other"),
        ("Comentarios (87)", "other"),
        ("نظرات (۱۲)", "other"),
        ("Zustimmen", "other"),
    ],
)
def test_labels_in_each_language(line: str, kind: str) -> None:
    found = classify_furniture(line)
    assert found is not None and found[0] == kind, found


@pytest.mark.parametrize(
    "line",
    [
        "Teilen Sie uns Ihre Eindrücke mit, schreibt die Stadt.",
        "Mis à jour des listes électorales, le scrutin reprend.",
        "Aggiornato il regolamento del festival per la finale di stasera.",
        "Delen van de stad staan nog onder water.",
        "Updated guidance for travellers is expected soon.",
    ],
)
def test_a_sentence_with_such_a_word_stays_content(line: str) -> None:
    assert classify_furniture(line) is None
