"""Prefects' envelopes: bad input, the planner's words, the diagnosis, the tables.

The toy is that of ``tests/test_prefects_toy.py`` (where its optima are derived).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pvd_optim import load_scenario, optimise
from pvd_optim.cli import main
from tests.test_prefects_toy import AIX, CEILING, MARNE, NOGENT, SEZANNE, TONNERRE, toy

FIELD = "resources.funding.prefects"


def _error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    code = main([*argv, "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


@pytest.mark.parametrize(("prefects", "fragments"), [
    ("{by_department: {'99': 10000}}",
     (f"{FIELD}.by_department", "unknown département code(s) ['99']", "'2A'")),
    ("{by_department: {'48': 10000}}",
     (f"{FIELD}.by_department", "['48'] have no eligible town", "remove them")),
    ("{by_department: {51: 10000}}", (f"{FIELD}.by_department", "quoted text")),
    ("{reserve_eur: 90000}",
     (f"{FIELD}.reserve_eur", "sum to 90,000 EUR", "above the funding envelope of 60,000 EUR",
      "raise resources.funding.envelope_eur")),
    ("{by_department: {'51': 70000}}", (f"{FIELD}.by_department", "above the funding envelope")),
    ("{reserve_eur: 10000, floor_share: 1.5}", (f"{FIELD}.floor_share", "1.5")),
    ("{reserve_eur: 10000, ceiling_multiple: 0.5}",
     (f"{FIELD}.ceiling_multiple", "0.5")),
    ("{reserve_eur: 10000, by_department: {'51': 10000}}",
     (FIELD, "give either reserve_eur", "not both")),
    ("{floor_share: 0.9}", (FIELD, "give either reserve_eur")),
    ("{by_department: {'51': 10000}, basis: population}", (FIELD, "remove basis")),
    ("{reserve_eur: 10000, basis: inhabitants}", (f"{FIELD}.basis", "'population'")),
], ids=["unknown-code", "no-eligible-town", "unquoted-code", "reserve-above-envelope",
        "envelopes-above-envelope", "floor-above-1", "ceiling-below-1", "both-ways",
        "neither-way", "basis-with-list", "unknown-basis"])
def test_bad_prefects_section_is_one_line_naming_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], prefects: str,
        fragments: tuple[str, ...]) -> None:
    path = toy(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "    spend_min_share: 0\n", f"    spend_min_share: 0\n    prefects: {prefects}\n")
    path.write_text(text, encoding="utf-8")
    message = _error_line(capsys, ["validate", "-q", str(path)])
    assert "toy.yaml" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def test_a_per_year_reserve_gives_every_year(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = toy(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "    spend_min_share: 0\n",
        "    spend_min_share: 0\n    prefects: {reserve_eur: {2025: 10000}}\n")
    path.write_text("years: [2025, 2026]\n" + text, encoding="utf-8")
    message = _error_line(capsys, ["validate", "-q", str(path)])
    assert f"{FIELD}.reserve_eur gives no value for year(s) [2026]" in message


def test_binding_floor_and_ceiling_are_worded_for_planners(tmp_path: Path) -> None:
    floor = optimise(load_scenario(toy(tmp_path), MARNE))
    assert ("prefects", "prefect's envelope of Marne") in {(b.family, b.label)
                                                            for b in floor.binding}
    ceiling = optimise(load_scenario(toy(tmp_path), {
        f"{FIELD}": {"reserve_eur": 30_000, "ceiling_multiple": 2}}))
    labels = {b.label for b in ceiling.binding if b.family == "prefects"}
    assert "ceiling of the prefect's envelope of Aube" in labels


def test_the_department_table_sets_funding_against_each_envelope(tmp_path: Path) -> None:
    allocation = optimise(load_scenario(toy(tmp_path), {
        f"{FIELD}": {"reserve_eur": 30_000, "basis": "towns"}}))
    table = allocation.by_department
    assert table is not None
    assert list(table.index) == ["10", "51"]
    assert table.loc["10", "department_name"] == "Aube"
    assert table.loc["51", "envelope_eur"] == pytest.approx(10_000)
    assert table.loc["51", "floor_eur"] == pytest.approx(10_000)
    assert table.loc["51", "funding_eur"] == pytest.approx(10_000)
    assert table.loc["10", "funding_eur"] == pytest.approx(50_000)
    assert table.loc["51", "binds"] == "floor" and table.loc["10", "binds"] == ""
    assert optimise(load_scenario(toy(tmp_path))).by_department is None


def test_explain_says_the_envelopes_in_force_and_which_bind(tmp_path: Path) -> None:
    from pvd_optim.explain import explain_markdown
    from pvd_optim.i18n import translator

    text = explain_markdown(optimise(load_scenario(toy(tmp_path), MARNE)), translator("en"))
    assert ("- Prefects' envelopes: €20,000 of the funding envelope held by the prefect of 1 "
            "département (as given per département), each receiving at least 100% of it; at "
            "their floor: Marne.") in text
    french = explain_markdown(optimise(load_scenario(toy(tmp_path), CEILING)), translator("fr"))
    french = french.replace("\u202f", " ").replace("\xa0", " ")
    assert ("- Enveloppes des préfets : 30 000 € de l'enveloppe de financement à la main des "
            "préfets de 2 départements (répartie selon les communes éligibles), chacun recevant "
            "au moins 100 % de la sienne et au plus 2 fois celle-ci en tout ; à leur plafond : "
            "Aube, Marne.") in french


def test_a_results_folder_with_envelopes_reads_back(tmp_path: Path) -> None:
    from pvd_optim.output import read_allocation, write_allocation

    scenario = load_scenario(toy(tmp_path), MARNE)
    allocation = optimise(scenario)
    folder = write_allocation(allocation, scenario, tmp_path / "out")
    assert (folder / "allocation_department.csv").is_file()
    again = read_allocation(folder)
    assert again.objective == pytest.approx(allocation.objective)


def _band_conflict(tmp_path: Path) -> Any:
    """The Yonne holds 40 k EUR but its region's band lets it have 16.5 k EUR at most.

    Four towns, three in Grand Est and Tonnerre in Bourgogne-Franche-Comté: fair shares
    0.75 and 0.25 of the funding on eligible towns, a band of +-10 %: Bourgogne-Franche-
    Comté receives at most 1.1 x 0.25 x 60 = 16.5 k EUR, below the Yonne's floor of 40.
    """
    return load_scenario(toy(tmp_path, (NOGENT, AIX, SEZANNE, TONNERRE)), {
        f"{FIELD}": {"by_department": {"89": 40_000}},
        "balance.mode": "hard", "balance.tolerance_share": 0.1})


def test_the_diagnosis_names_the_region_and_its_departements(tmp_path: Path) -> None:
    from pvd_optim.assemble import prepare
    from pvd_optim.diagnose import diagnose
    from pvd_optim.errors import InfeasibleError

    scenario = _band_conflict(tmp_path)
    with pytest.raises(InfeasibleError):
        optimise(scenario)
    diagnosis = diagnose(prepare(scenario).inputs, scenario)
    fix = next(f for f in diagnosis.fixes if f.family == "prefects")
    assert fix.field == f"{FIELD}.floor_share"
    assert "the envelope of the prefect of Yonne (0.040 M EUR) cannot be spent" in fix.message
    assert "the regional balance band of Bourgogne-Franche-Comté caps its funding at" in (
        fix.message)
    assert "below the prefects' floors of its départements Yonne (0.040 M EUR)" in fix.message
    # 16.5 of 40 k EUR can be spent: a floor of at most 0.412 of the envelope.
    assert fix.needed == pytest.approx(0.412)


def test_the_diagnosis_says_when_the_towns_caps_are_too_small(tmp_path: Path) -> None:
    from pvd_optim.assemble import prepare
    from pvd_optim.diagnose import diagnose

    scenario = load_scenario(toy(tmp_path), {
        f"{FIELD}": {"by_department": {"51": 50_000}}, "resources.funding.cap_per_town_eur":
        30_000})
    diagnosis = diagnose(prepare(scenario).inputs, scenario)
    fix = next(f for f in diagnosis.fixes if f.family == "prefects")
    assert ("the envelope of the prefect of Marne (0.050 M EUR) cannot be spent: its towns can "
            "take 0.030 M EUR at most under their caps") in fix.message
    assert fix.needed == pytest.approx(0.6)


def test_validate_screens_a_floor_the_towns_cannot_take(tmp_path: Path) -> None:
    from pvd_optim.assemble import prepare
    from pvd_optim.screen import screen

    scenario = load_scenario(toy(tmp_path), {
        f"{FIELD}": {"by_department": {"51": 50_000}}, "resources.funding.cap_per_town_eur":
        30_000})
    fixes = [fix for fix in screen(prepare(scenario).inputs, scenario)
             if fix.family == "prefects"]
    assert len(fixes) == 1
    assert ("the envelope of the prefect of Marne (0.050 M EUR) cannot be spent: its towns can "
            "take 0.030 M EUR at most under their caps") in fixes[0].message
    assert fixes[0].needed == pytest.approx(0.6)


def test_validate_screens_the_floors_of_a_region_against_its_band(tmp_path: Path) -> None:
    from pvd_optim.assemble import prepare
    from pvd_optim.screen import screen

    scenario = _band_conflict(tmp_path)
    fixes = [fix for fix in screen(prepare(scenario).inputs, scenario)
             if fix.family == "prefects"]
    assert len(fixes) == 1
    # At most the whole envelope (60 k EUR) is spent: the band of Bourgogne-Franche-Comté
    # is at most 1.1 x 0.25 x 60 = 16.5 k EUR, below the Yonne's floor of 40.
    assert ("the regional balance band of Bourgogne-Franche-Comté caps its funding at 0.017 "
            "M EUR ((1 + 0.1) x its fair share 0.25 of a total of 0.060 M EUR), below the "
            "prefects' floors of its départements Yonne (0.040 M EUR)") in fixes[0].message
    assert fixes[0].needed == pytest.approx(0.412)
