"""French and English: complete catalogues, compiled files in step, the language of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pvd_optim import i18n
from pvd_optim.errors import InputError
from pvd_optim.i18n import catalogue


def test_every_message_exists_in_both_languages_and_the_mo_files_match() -> None:
    assert catalogue.check() == []


def test_a_message_in_one_language_only_is_reported() -> None:
    messages = catalogue.extract_messages()
    fake = {**messages, "a sentence only the code has": ["x.py:1"]}
    for language in i18n.LANGUAGES:
        found = catalogue.problems(language, fake)
        assert found == [f"{language}: no translation of 'a sentence only the code has'"]


def test_a_plural_message_is_checked_by_its_singular() -> None:
    messages = catalogue.extract_messages()
    assert any(isinstance(key, tuple) for key in messages)  # explain.md's posts line
    fake = {**messages, ("one town only the code has", "{count} towns only the code has"):
            ["x.py:1"]}
    for language in i18n.LANGUAGES:
        assert catalogue.problems(language, messages) == []
        assert catalogue.problems(language, fake) == [
            f"{language}: no translation of ('one town only the code has', "
            "'{count} towns only the code has')"]


def test_a_translation_that_drops_a_placeholder_is_reported(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    source = catalogue.po_path("fr").read_text(encoding="utf-8")
    broken = source.replace('msgstr "Scénario {scenario}"', 'msgstr "Scénario"')
    assert broken != source
    (tmp_path / "fr.po").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(catalogue, "po_path", lambda language: tmp_path / "fr.po")
    found = catalogue.problems("fr", catalogue.extract_messages())
    assert any("'Scenario {scenario}' has placeholders []" in p for p in found)


def test_messages_inside_f_strings_are_extracted() -> None:
    source = 'x = f"<h2>{t.gettext(\'Conclusion\')}</h2>" + N_("a") + ngettext("b", "c", 2)'
    found = [m for m, _ in catalogue.messages_in(source)]
    assert sorted(found, key=str) == [("b", "c"), "Conclusion", "a"]


def test_language_is_the_explicit_one_then_the_locale_then_french() -> None:
    assert i18n.choose_language("en", environ={"LANG": "fr_FR.UTF-8"}) == "en"
    assert i18n.choose_language(None, configured="en", environ={}) == "en"
    assert i18n.choose_language(None, environ={"LANG": "en_GB.UTF-8"}) == "en"
    assert i18n.choose_language(None, environ={"LC_ALL": "fr_CA", "LANG": "en_US"}) == "fr"
    assert i18n.choose_language(None, environ={"LANGUAGE": "de:en", "LANG": "de_DE"}) == "en"
    assert i18n.choose_language(None, environ={"LANG": "C.UTF-8"}) == "fr"
    assert i18n.choose_language(None, environ={"LANG": "de_DE.UTF-8"}) == "fr"
    assert i18n.choose_language(None, environ={}) == "fr"
    with pytest.raises(InputError, match="unknown language 'de'; choose one of fr, en"):
        i18n.choose_language("de")


def test_numbers_are_written_for_people_in_each_language() -> None:
    fr, en = i18n.translator("fr"), i18n.translator("en")
    assert fr.eur(25_800_000) == "25\u202f800\u202f000\u00a0€"
    assert en.eur(25_800_000) == "€25,800,000"
    assert fr.percent(0.059) == "5,9\u00a0%" and en.percent(0.059) == "5.9%"
    assert fr.percent(0.02, signed=True) == "+2,0\u00a0%"
    assert fr.number(-0.0001, 2) == "0,00" and en.number(1234.5, 1) == "1,234.5"
    assert fr.compact(0.6131) == "0,613" and en.compact(87956.1) == "87,956"
    assert fr.eur(float("nan")) == "–"


def test_the_run_language_is_set_once_and_restored_by_using() -> None:
    with i18n.using("en") as t:
        assert i18n.gettext("What it got") == "What it got" == t.gettext("What it got")
        with i18n.using("fr"):
            assert i18n.gettext("What it got") == "Ce qu'elle a reçu"
        assert i18n.active().language == "en"


def test_a_message_is_its_english_text_and_renders_in_french_with_french_numbers() -> None:
    import copy
    import pickle

    from pvd_optim.i18n.message import Message, Plural, joined, render

    posts = Plural("{count:,} more post", "{count:,} more posts", 1555)
    message = Message("to at least {needed:,.3f} M EUR in {year} ({posts}; now {now})",
                      needed=42975.125, year=2026, posts=posts, now=1.0)
    assert message == "to at least 42,975.125 M EUR in 2026 (1,555 more posts; now 1.0)"
    french = i18n.translator("fr")
    # Without a French entry the words stay English, the numbers do not: French grouping
    # (a narrow no-break space), a decimal comma; a year is never grouped. The nested plural
    # has its French entry.
    rendered = render(message, french).replace("\u202f", " ").replace("\u00a0", " ")
    assert rendered == "to at least 42 975,125 M EUR in 2026 (1 555 postes de plus; now 1,0)"
    listed = joined([message, "Cerema Est"])
    assert render(listed, i18n.translator("en")) == f"{message}; Cerema Est"
    assert render(listed, french).endswith(" ; Cerema Est")  # the catalogue's separator
    # Copies and pickles (a sweep's workers) keep the template and the values.
    for again in (pickle.loads(pickle.dumps(listed)), copy.deepcopy(listed)):
        assert render(again, french) == render(listed, french)
