"""What the schema shows and dumps, its fixed limits, and no warnings while doing so."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from pvd_optim.errors import ScenarioError
from pvd_optim.scenario import Scenario, fields, load_scenario, scenario_from_dict, with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_load_and_dump_without_warnings(path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scenario = load_scenario(path)
        json.dumps(scenario.model_dump(mode="json"))
        with_overrides(scenario, {"solver.mip_gap": 0.0}).model_dump(mode="json")


def test_default_saturations_dump_without_warnings() -> None:
    """Unvalidated int defaults of the float-or-mapping fields made pydantic warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dumped = scenario_from_dict({}).model_dump(mode="json")
    assert dumped["resources"]["funding"]["saturation_per_theme_eur"] == 40_000
    assert dumped["resources"]["expertise"]["saturation_per_theme_days"] == 10


def _walk(schema: dict[str, Any], defs: dict[str, Any], where: str, out: list[str]) -> None:
    for name, prop in schema.get("properties", {}).items():
        # Pydantic leaves a section's description out beside its $ref when it equals the
        # section's own: the definition carries it.
        target = defs.get(str(prop.get("$ref", "")).rsplit("/", 1)[-1], {})
        if not (prop.get("description") or target.get("description")):
            out.append(f"{where}.{name}")


def test_json_schema_describes_every_field_and_hides_source() -> None:
    schema = Scenario.model_json_schema()
    assert "source" not in schema["properties"]
    missing: list[str] = []
    defs = schema["$defs"]
    _walk(schema, defs, "Scenario", missing)
    for name, definition in defs.items():
        assert definition.get("description"), name
        _walk(definition, defs, name, missing)
    assert missing == []


def test_json_schema_allows_null_to_remove_a_theme() -> None:
    definitions = Scenario.model_json_schema()["$defs"]["ThemesSection"]["properties"][
        "definitions"]
    assert {"type": "null"} in definitions["additionalProperties"]["anyOf"]


def _fields(model: type[BaseModel]) -> dict[str, Any]:
    return {name: (_fields(info.annotation) if isinstance(info.annotation, type)
                   and issubclass(info.annotation, BaseModel) else None)
            for name, info in model.model_fields.items() if name not in ("source", "sweep")}


def _keys(dumped: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
    return {k: (_keys(dumped[k], v) if v is not None else None)
            for k, v in shape.items() if k in dumped}


def test_scenario_json_spells_out_every_field() -> None:
    dumped = load_scenario(SCENARIOS / "national.yaml").model_dump(mode="json")
    shape = _fields(Scenario)
    assert _keys(dumped, shape) == shape
    assert "source" not in dumped
    assert dumped["themes"]["directions"]["social_housing_pct"] == "lower"
    assert len(dumped["themes"]["definitions"]) == 6


@pytest.mark.parametrize(
    ("data", "fragment"),
    [({"solver": {"threads": fields.MAX_SOLVER_THREADS + 1}}, "must be <= 64"),
     ({"resources": {"engineering": {"towns_per_post": 2**62}}}, "must be <= 200"),
     ({"benefit": {"slopes": [2e4, 1e4, 1]}}, "must be <= 10000"),
     ({"benefit": {"segment_widths_share": [0.1] * 10 + [0.0001],
                   "slopes": list(range(11, 0, -1))}}, "more than the limit of 10"),
     ({"balance": {"penalties": {"days": 1e5}}}, "must be <= 10000"),
     ({"solver": {"time_limit_s": 1e7}}, "must be <= 604800")],
)
def test_fixed_limits_are_refused(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    assert fragment in str(info.value)


def test_fixed_limits_themselves_are_accepted() -> None:
    scenario = scenario_from_dict({
        "solver": {"threads": 64, "time_limit_s": 604_800},
        "resources": {"engineering": {"towns_per_post": 200}},
        "benefit": {"segment_widths_share": [0.1] * 10,
                    "slopes": [1e4, *range(9, 0, -1)]},
        "balance": {"penalties": {"days": 1e4, "towns": 1e4, "funding_per_keur": 1e4}},
    })
    assert scenario.solver.threads == 64
    assert len(scenario.benefit.slopes) == fields.MAX_BENEFIT_SEGMENTS


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keywords(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keywords(v)}
    return set()


def test_json_schema_states_bounds_in_standard_keywords() -> None:
    """Bounds show as minimum / maximum, never as pydantic's own ge / le."""
    schema = Scenario.model_json_schema()
    assert not _keywords(schema) & {"ge", "gt", "le", "lt"}
    threads = schema["$defs"]["SolverSection"]["properties"]["threads"]
    assert threads["maximum"] == fields.MAX_SOLVER_THREADS
    envelope = schema["$defs"]["FundingSection"]["properties"]["envelope_eur"]
    assert envelope["minimum"] == 0
