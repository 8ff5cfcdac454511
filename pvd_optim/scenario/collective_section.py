"""Cerema's collective actions: regional awareness days and training paths for small towns.

At the programme's launch Cerema committed to «13 journées régionales de
sensibilisation» and «un parcours de formation … dans chacune des 13 régions»
(cerema.fr, "Le Cerema s'engage dans la réalisation du programme Petites villes de
demain"). These draw on the same directorates' expert-days as individual missions,
so the model decides how many events and cohorts each region gets, and which towns
attend (``docs/model.md#collective-actions``).

Only the commitment itself is a public figure. Seats, expert-days per event, values
and the most events a region can hold in a year are **assumptions**, each labelled
with its reason below; a planner replaces them with Cerema's own figures.
The section is off unless ``enabled: true``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from pvd_optim.i18n.message import Message
from pvd_optim.inputs import COLLECTIVE_ACTIONS as ACTIONS
from pvd_optim.scenario.fields import Days, Euros, Frozen, PositiveWhole, Whole

#: Most events of one action a region may be given in a year (a bound on the integer counts,
#: so that a typo cannot build a model with a million-wide count).
MAX_EVENTS_PER_REGION_YEAR = 100


class ActionSection(Frozen):
    """One kind of collective action: its seats, its cost in expert-days, its value."""

    seats: PositiveWhole = Field(description="Towns one event (or cohort) can take.")
    expert_days: Days = Field(
        description="Expert-days one event (or cohort) costs its directorate, preparation "
                    "included.")
    value_per_town_eur: Euros = Field(
        description="Value of the action to an attending town at full need (need 1), in "
                    "EUR-equivalent like benefit.value_per_day_eur; scaled by the town's need "
                    "in `benefit_theme`.")
    max_per_region_year: Whole = Field(
        ge=0, le=MAX_EVENTS_PER_REGION_YEAR,
        description="At most this many events (or cohorts) per region and year.")
    minimum_per_region: Whole = Field(
        1, ge=0, le=MAX_EVENTS_PER_REGION_YEAR,
        description="At least this many per region, per year or over the horizon "
                    "(`minimum_scope`): Cerema's launch commitment is 1 of each.")


class AwarenessDaySection(ActionSection):
    """The regional awareness days.

    Assumptions (no public figure): a one-day regional event for elected officials and
    technicians, 40 towns (about the PVD towns of two or three départements); 6 expert-days
    (two speakers on the day, four days of preparation); worth 500 EUR-eq to a town at full
    need (half an individual expert-day's value); one a year per region at most (a regional
    day, not a series).
    """

    seats: PositiveWhole = Field(40, description="Towns one awareness day can take.")
    expert_days: Days = Field(
        6, description="Expert-days one awareness day costs its directorate, preparation "
                       "included.")
    value_per_town_eur: Euros = Field(
        500, description="Value to an attending town at full need, EUR-equivalent.")
    max_per_region_year: Whole = Field(
        1, ge=0, le=MAX_EVENTS_PER_REGION_YEAR,
        description="At most this many awareness days per region and year.")


class TrainingPathSection(ActionSection):
    """The training paths, in cohorts.

    Assumptions (no public figure): a cohort of 15 towns (a workshop group of pairs of an
    elected official and a technician); 20 expert-days (five one-day sessions with two
    trainers, ten days of design and follow-up); worth 3,000 EUR-eq to a trained town at
    full need (three individual expert-days: what a trained team saves in building its
    project); at most 2 cohorts per region and year (the trainers' availability).
    """

    seats: PositiveWhole = Field(15, description="Towns one cohort can take.")
    expert_days: Days = Field(
        20, description="Expert-days one cohort costs its directorate, preparation included.")
    value_per_town_eur: Euros = Field(
        3_000, description="Value to a trained town at full need, EUR-equivalent.")
    max_per_region_year: Whole = Field(
        2, ge=0, le=MAX_EVENTS_PER_REGION_YEAR,
        description="At most this many cohorts per region and year.")


class CollectiveSection(Frozen):
    """Cerema's collective actions per region: awareness days and training cohorts."""

    enabled: bool = Field(False, description="Put collective actions in the model.")
    regions: Literal["mainland", "all"] = Field(
        "mainland",
        description="`mainland`: the 13 regions of the commitment; `all`: the overseas "
                    "regions too.")
    minimum_scope: Literal["horizon", "year"] = Field(
        "horizon",
        description="Whether `minimum_per_region` holds over the whole horizon (default: the "
                    "launch commitment counts 13 days and 13 paths in all, not a year) or in "
                    "every year.")
    requires_project_lead: bool = Field(
        True,
        description="A town attends only in a year it is covered by a project lead (who "
                    "carries what it learns into its project).")
    benefit_theme: str = Field(
        "revitalisation",
        description="The theme whose need weights an attending town's value (centre "
                    "revitalisation: the subject of the days and paths).")
    further_action_discount_eur: Euros = Field(
        250,
        description="Each collective action beyond a town's first over the horizon is worth "
                    "this much less at full need (assumption: half an awareness day's value; "
                    "what a town learns a second time is partly known).")
    awareness_day: AwarenessDaySection = Field(
        default_factory=AwarenessDaySection,  # type: ignore[arg-type]
        description="The regional awareness days.")
    training_path: TrainingPathSection = Field(
        default_factory=TrainingPathSection,  # type: ignore[arg-type]
        description="The training paths (cohorts).")

    @model_validator(mode="after")
    def _minimum_is_reachable(self) -> CollectiveSection:
        for name in ACTIONS:
            action: ActionSection = getattr(self, name)
            if self.minimum_scope == "year" and action.minimum_per_region > \
                    action.max_per_region_year:
                raise ValueError(Message(
                    "{name}.minimum_per_region ({minimum}) exceeds max_per_region_year "
                    "({maximum}) with minimum_scope year; lower the minimum or raise the maximum",
                    name=name, minimum=action.minimum_per_region,
                    maximum=action.max_per_region_year))
        return self

    def action(self, name: str) -> ActionSection:
        """The section of action ``name`` (one of :data:`ACTIONS`)."""
        section: ActionSection = getattr(self, name)
        return section
