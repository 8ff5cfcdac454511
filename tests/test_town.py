"""The town page: facts read from a national run, words in both languages, the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pvd_optim import reasons
from pvd_optim.cli import main
from pvd_optim.data.eligibility import REASONS
from pvd_optim.data.towns import load_communes
from pvd_optim.errors import ExitCode, InputError
from pvd_optim.i18n import translator
from pvd_optim.pipeline import Run, run
from pvd_optim.scenario import load_scenario, with_overrides
from pvd_optim.town import page_content, render_markdown, render_page, town_page
from pvd_optim.town.counterfactual import coverage_counterfactual
from pvd_optim.town.exclusion import why_not_eligible
from pvd_optim.town.facts import next_unit_value, percentile, town_facts
from pvd_optim.town.limits import KINDS
from pvd_optim.town.lookup import find_commune, normalise_name
from pvd_optim.town.wording import EXCLUSION_WORDS, LIMIT_WORDS, REASON_WORDS
from tests.results_folders import SCENARIOS

FR, EN = translator("fr"), translator("en")


@pytest.fixture(scope="module")
def national() -> Run:
    # The re-solves of the price of balance and of one more post are not on a town's page.
    scenario = with_overrides(load_scenario(SCENARIOS / "national.yaml"),
                              {"analysis.price_of_balance": False,
                               "analysis.value_of_one_more_post": False})
    return run(scenario)


@pytest.fixture(scope="module")
def uncovered(national: Run) -> str:
    """A town the national run leaves without a project lead (picked from the run)."""
    return reasons.uncovered_towns(national.allocation)[0].insee


@pytest.fixture(scope="module")
def folder(national: Run, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pvd_optim.output import write_allocation

    out = tmp_path_factory.mktemp("town") / "national"
    write_allocation(national.allocation, national.scenario, out, force=False,
                     command=["pytest"])
    return out


# ---- words exist for everything the facts can say --------------------------------------------
def test_every_limit_reason_and_criterion_has_a_wording() -> None:
    assert set(LIMIT_WORDS) == set(KINDS)
    assert set(REASON_WORDS) == set(reasons.REASON_WORDS)
    assert set(REASONS) - {"eligible"} <= set(EXCLUSION_WORDS)


def test_percentiles_and_the_next_unit_on_a_concave_curve() -> None:
    assert percentile(np.array([0.1, 0.2, 0.3, 0.4]), 0.3) == pytest.approx(0.625)
    widths, slopes = np.array([0.25, 0.25, 0.5]), np.array([1.0, 0.6, 0.3])
    assert next_unit_value(0.0, 40.0, widths, slopes, 0.5) == 0.5
    assert next_unit_value(10.0, 40.0, widths, slopes, 0.5) == pytest.approx(0.3)  # segment 2
    assert next_unit_value(25.0, 40.0, widths, slopes, 0.5) == pytest.approx(0.15)
    assert next_unit_value(40.0, 40.0, widths, slopes, 0.5) == 0.0  # saturated


# ---- lookup ----------------------------------------------------------------------------------
def test_a_town_is_found_by_code_or_by_name_written_loosely() -> None:
    table = load_communes()
    assert find_commune("01350", table, EN) == "01350"
    assert find_commune("amberieu en bugey", table, EN) == "01004"
    assert normalise_name("Saint-Étienne-du-Bois") == normalise_name("SAINT ETIENNE DU BOIS")
    with pytest.raises(InputError, match=r"no commune has the INSEE code 99999"):
        find_commune("99999", table, EN)
    with pytest.raises(InputError, match=r"no commune is named 'Nowhere-sur-Rien'"):
        find_commune("Nowhere-sur-Rien", table, EN)
    # Two communes share this name: both are listed, the programme town first.
    with pytest.raises(InputError) as ambiguous:
        find_commune("saint etienne du bois", table, EN)
    message = str(ambiguous.value)
    assert message.startswith("--town: 2 communes are named 'saint etienne du bois': "
                              "Saint-Étienne-du-Bois (01350, department 01, Petite ville de "
                              "demain); Saint-Étienne-du-Bois (85210, department 85)")
    assert message.endswith("give the INSEE code with --town") and "\n" not in message


# ---- facts of an uncovered town -----------------------------------------------------------------
def test_an_uncovered_town_learns_what_stood_in_the_way(national: Run, uncovered: str) -> None:
    facts = town_facts(national.allocation, uncovered)
    assert not facts.covered and facts.funding_eur == 0 and facts.days == 0
    assert facts.reason in reasons.REASON_WORDS
    kinds = [limit.kind for limit in facts.limits]
    assert kinds[0] == "not_covered"
    # Nationally the envelope and the engineering budget are spent to the last post.
    assert {"envelope", "engineering_budget"} <= set(kinds)
    assert facts.marginal.national_eur_value == pytest.approx(
        national.allocation.shadow_prices.envelope_per_keur)
    assert 0 < facts.fragility_percentile_nation < 1
    assert facts.nation_towns == national.allocation.inputs.n_towns


def test_covering_an_uncovered_town_costs_what_a_forced_re_solve_says(national: Run,
                                                                      uncovered: str) -> None:
    allocation, scenario = national.allocation, national.scenario
    exact = coverage_counterfactual(allocation, uncovered, scenario.solver)
    assert exact.action == "cover" and exact.method == "exact"
    assert exact.base_keur == pytest.approx(allocation.objective)
    # The optimum cannot be beaten by forcing a town in: the change is a cost (or nothing).
    assert exact.change_keur <= 1e-6 * abs(allocation.objective)
    assert exact.moves is not None and uncovered not in exact.moves.index
    # The LP bound keeps every other town's posts: feasible, so never cheaper than the truth.
    bound = coverage_counterfactual(allocation, uncovered, scenario.solver, exact=False)
    if bound.method == "bound":
        assert bound.change_keur <= exact.change_keur + 1e-6 * abs(allocation.objective)
    else:
        assert bound.method == "infeasible"  # its group needs a post the budget lacks


# ---- the command ---------------------------------------------------------------------------------
def test_explain_prints_why_an_uncovered_town_got_nothing_in_french(
        folder: Path, uncovered: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
        ) -> None:
    html = tmp_path / "town.html"
    code = main(["explain", str(folder), "--town", uncovered, "--lang", "fr", "--html",
                 str(html), "--quiet"])
    out = capsys.readouterr().out
    assert code == ExitCode.OK
    assert "Elle n'a pas de chef de projet parce que" in out
    assert "Ce qui a fait obstacle" in out and "Limites partagées" in out
    assert "Le budget d'ingénierie" in out and "L'enveloppe de financement" in out
    assert "La couvrir coûterait au programme" in out and "k€-éq." in out
    assert "25\u202f800\u202f000\u00a0€" in out  # the envelope, written the French way
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page
    assert "Licence Ouverte" in page and "ANCT" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_explain_in_english_and_by_name(folder: Path, national: Run, uncovered: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    inputs = national.allocation.inputs
    covered = inputs.town_codes[int(np.flatnonzero(national.allocation.arrays.covered)[0])]
    name = inputs.town_names[inputs.town_codes.index(covered)]
    matches = (load_communes()["name"] == name).sum()
    query = covered if matches > 1 else name.upper()
    assert main(["explain", str(folder), "--town", query, "--lang", "en", "-q"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert f"# {name} ({covered}): why it got what it got" in out
    assert "A project lead: yes" in out and "What limits it" in out
    assert "Taking its post away would" in out
    assert "Its next euro would bring" in out


def test_explain_refuses_an_unknown_town_in_one_line(folder: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", str(folder), "--town", "Nowhere-sur-Rien", "--lang", "en"]
                ) == ExitCode.INPUT
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --town: no commune is named 'Nowhere-sur-Rien'")
    assert "\n" not in err
    assert main(["explain", str(folder), "--town", "00000", "--lang", "fr"]) == ExitCode.INPUT
    assert "aucune commune n'a le code INSEE 00000" in capsys.readouterr().err


# ---- communes outside the allocation -------------------------------------------------------
def test_a_commune_off_the_official_list_learns_why(national: Run) -> None:
    page = town_page(national.allocation, national.scenario, "Paris", EN, counterfactual=False)
    assert page.facts is None and page.exclusion is not None
    assert [kind for kind, _ in page.exclusion.reasons] == ["not_official"]
    text = render_markdown(page_content(page, EN))
    assert "not on the official list of Petites villes de demain" in text


def test_rules_mode_lists_every_criterion_a_commune_fails() -> None:
    scenario = load_scenario(SCENARIOS / "rules-based.yaml")
    exclusion = why_not_eligible(scenario, "75056")  # Paris
    kinds = [kind for kind, _ in exclusion.reasons]
    assert kinds[0] == "population_above_max" and len(kinds) >= 2
    assert "large_urban_pole" in kinds
    text = render_markdown(page_content(town_page_for(exclusion, scenario.name), FR))
    assert "n'est pas inférieure au maximum de 20\u202f000" in text


def town_page_for(exclusion, scenario_name):  # type: ignore[no-untyped-def]
    from pvd_optim.town.page import TownPage

    return TownPage(exclusion.insee, scenario_name, exclusion=exclusion)


def test_the_standalone_page_is_accessible_and_self_contained(national: Run,
                                                              uncovered: str) -> None:
    page = town_page(national.allocation, national.scenario, uncovered, EN,
                     counterfactual=False)
    html = render_page(page_content(page, EN), EN)
    assert html.count("<h1>") == 1 and "<h2>" in html
    assert html.count("<caption>") == html.count("<table>")
    assert 'scope="col"' in html and 'scope="row"' in html
    assert 'role="img" aria-label="Chart of percentiles' in html


def test_why_a_cost_was_not_computed_is_said_in_the_readers_language() -> None:
    """An LP relaxation has fractional posts: no re-solve, and the page says why, in French."""
    scenario = with_overrides(load_scenario(SCENARIOS / "toy.yaml"),
                              {"solver.relax_integers": True})
    allocation = run(scenario).allocation
    insee = allocation.inputs.town_codes[0]
    effect = coverage_counterfactual(allocation, insee, scenario.solver)
    assert effect.method == "not_computed"
    french = render_markdown(page_content(town_page(allocation, scenario, insee, FR), FR))
    assert "seule une allocation optimisée à postes entiers en a un" in french
    english = render_markdown(page_content(town_page(allocation, scenario, insee, EN), EN))
    assert "only an optimised allocation with whole posts has one" in english


def test_the_cost_of_covering_is_the_gap_0_mips_without_solving_a_mip(
        national: Run, uncovered: str) -> None:
    """The base and the forced solve go through the relaxation and one branching
    (``follow_ups.solve_exactly``), and give the optimum HiGHS's MIP proves at gap 0."""
    from pvd_optim.model import highs, warm
    from pvd_optim.pipeline import solve_problem
    from pvd_optim.results import Problem
    from pvd_optim.town.counterfactual import _forced_program

    allocation, scenario = national.allocation, national.scenario
    mips: list[int] = []
    original = highs.run_and_read

    def recording(h, program, settings):  # type: ignore[no-untyped-def]
        if program.integer.any():  # every HiGHS solve ends here: count the MIPs
            mips.append(program.n_cols)
        return original(h, program, settings)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(highs, "run_and_read", recording)
        patch.setattr(warm, "run_and_read", recording)
        effect = coverage_counterfactual(allocation, uncovered, scenario.solver)
    assert effect.method == "exact" and mips == []
    settings = scenario.solver.model_copy(update={"mip_gap": 0.0})
    problem = Problem(allocation.inputs, allocation.scenario_name, settings,
                      allocation.town_info)
    t = allocation.inputs.town_codes.index(uncovered)
    forced = solve_problem(problem, program=_forced_program(allocation, t, True, exact=True))
    assert forced.result.mip_gap is not None and forced.result.mip_gap <= 1e-9
    assert effect.forced_keur == pytest.approx(forced.result.objective, rel=1e-9)
