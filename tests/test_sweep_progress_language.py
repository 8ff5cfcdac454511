"""The sweep's progress bar in the run's language: its description, "elapsed" and "ETA"."""

from __future__ import annotations

import pytest

from pvd_optim import i18n
from pvd_optim.sweep.execute import Progress


def _drawn(capsys: pytest.CaptureFixture[str], t: i18n.Translator | None) -> str:
    bar = Progress(4, 1, True, "national [draft]", t)
    bar.advance()
    bar.close()
    return capsys.readouterr().err


def test_the_bar_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _drawn(capsys, i18n.translator("fr"))
    assert "balayage national [draft]" in shown and "2/4" in shown, shown
    assert " écoulé " in shown and " reste " in shown, shown
    assert "elapsed" not in shown and "ETA" not in shown and "sweep" not in shown


def test_the_bar_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    shown = _drawn(capsys, i18n.translator("en"))
    assert "sweep national [draft]" in shown and " elapsed " in shown and " ETA " in shown


def test_the_bar_follows_the_run_language_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    """The sweep command makes its language the run's (``i18n.use``): the bar reads it."""
    with i18n.using("fr"):
        assert "balayage" in _drawn(capsys, None)
    with i18n.using("en"):
        assert "sweep national" in _drawn(capsys, None)


def test_a_disabled_bar_draws_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    bar = Progress(4, 0, False, "x", i18n.translator("fr"))
    bar.advance()
    bar.close()
    assert capsys.readouterr().err == ""
