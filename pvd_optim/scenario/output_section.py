"""How a run's outputs are written for their readers, not what is allocated.

Nothing here changes an allocation, so the section is left out of the scenario's
content hash (:func:`pvd_optim.output.provenance.scenario_hash`): two scenarios
differing only in it are the same scenario.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from pvd_optim.scenario.fields import Frozen


class OutputSection(Frozen):
    """Options of what a run writes for people (language of ``explain.md``)."""

    language: Literal["fr", "en"] | None = Field(
        None,
        description=(
            "Language of explain.md and of the report: fr or en. `pvd-optim run --lang` "
            "overrides it; omitted: the environment's locale, else French. Not part of the "
            "scenario's content hash."
        ),
    )
