"""The bad-input corpus: half-finished planner files must fail cleanly, never with a traceback.

``tests/bad_inputs/`` holds the corpus, one malformed input per file:

* ``scenarios/``: scenario YAML files, named ``<category>-<what>.yaml``: wrong types
  (``type-``), unknown choices (``enum-``), negative or implausible amounts (``budget-``),
  NaN / infinity (``nan-``, ``inf-``), shares outside [0, 1] (``share-``), floors summing
  over 1 (``floors-``), broken benefit curves (``benefit-``), unknown themes, indicators,
  regions and directorates, empty eligible sets and bad INSEE codes (``eligible-``,
  ``insee-``), unknown keys at every level (``key-``), structure (``struct-``: empty file,
  list, duplicate keys), YAML syntax (``yaml-``), YAML tags of every kind, on values, keys
  and inside flow collections (``tag-``), alias bombs and self-reference (``alias-``),
  nesting (``nesting-``), number forms YAML 1.1 would misread (``number-``: octal, hex,
  base 60, decimal commas, quoted numbers), fixed limits of size and solver ranges
  (``limit-``), keys and values holding control characters, which must come out quoted
  and escaped, ``extends`` cycles, missing parents and parents that are not scenario
  files (``extends-``), Latin-1 /
  UTF-16 / NUL bytes (``encoding-``, written from bytes) and scenario-named data files
  that are missing or broken (``data-``, using ``scores_csv/``).
* ``planner_csv/``: planner indicator CSVs (``data.planner_indicators``); each is wrapped
  in a small generated scenario in ``tmp_path`` and validated.
* ``scores_csv/``: broken ``themes.scores_csv`` files used by the ``data-`` scenarios.
* generated in ``tmp_path`` (``test_hostile_scenario_generated``): what cannot be a small
  file: a 2**30-value alias bomb, 5,000-deep nesting, a 1,200-file ``extends`` chain, a
  100 MB parent, FIFOs, directories, loops of links and unreadable parents.

Every case runs the real command line in-process (``pvd_optim.cli.main``), mostly
``validate -q`` (loads data and selects towns without solving; the commune table is
cached per process, so the whole file takes well under a minute), a few through
``run --out`` and through a ``pvd-optim`` subprocess. Each asserts: exit code 2, exactly
one line on stderr, starting ``error: ``, with no raw control character, naming the file
(with its line when the case has one), containing the expected message fragments, and no
traceback.

To add a case: drop the file in the right folder and add a row to the matching table;
``test_every_corpus_file_has_a_case`` fails until the file has its row.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from pvd_optim.cli import main

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "bad_inputs"
SCENARIOS = CORPUS / "scenarios"
PLANNER_CSV = CORPUS / "planner_csv"
TOY = HERE.parent / "scenarios" / "toy.yaml"


class Case(NamedTuple):
    """One malformed input and what its error line must say."""

    file: str  # corpus file (or, for --set cases, the scenario to which they apply)
    fragments: tuple[str, ...]  # all must appear in the error line
    where: str | None = None  # file the error names: default the corpus file itself
    line: int | None = None  # expected line in that file, if any
    overrides: tuple[str, ...] = ()


def C(file: str, *fragments: str, where: str | None = None, line: int | None = None,
      overrides: tuple[str, ...] = ()) -> Case:
    return Case(file, fragments, where, line, overrides)


SCENARIO_CASES = [
    # wrong types
    C("type-envelope-text.yaml", "resources.funding.envelope_eur: must be a number",
      "Got 'lots' instead", line=4),
    C("type-envelope-thousands-commas.yaml", "envelope_eur: must be a number",
      "write 25800000 or 25_800_000 (no thousands separators)", line=4),
    C("type-envelope-empty-value.yaml", "envelope_eur: has no value",
      "delete the line to use the default", line=4),
    C("type-towns-per-post-fraction.yaml", "resources.engineering.towns_per_post",
      "must be a whole number. Got 2.5 instead", line=4),
    C("type-relax-integers-text.yaml", "solver.relax_integers: must be true or false",
      "Got 'maybe'", line=3),
    C("type-name-is-list.yaml", "name: must be text, got a list", line=1),
    C("type-section-is-number.yaml", "resources: must be a section", "got 5", line=2),
    C("type-section-is-list.yaml", "themes: must be a section", "got a list", line=2),
    C("type-section-empty.yaml", "eligibility: section is empty", line=2),
    C("type-include-is-string.yaml", "eligibility.include: must be a list",
      "Got '10268' instead", line=4),
    C("type-planner-indicators-not-list.yaml", "data.planner_indicators: must be a list",
      "[extra.csv]", line=3),
    C("type-slopes-scalar.yaml", "benefit.slopes: must be a list", line=3),
    C("type-threads-zero.yaml", "solver.threads: must be >= 1. Got 0 instead", line=3),
    C("type-floors-text.yaml", "theme_floors_share: must be a number",
      "or a mapping theme -> share", "write a fraction such as 0.08", line=2),
    C("type-share-percent-string.yaml", "balance.tolerance_share: must be a number",
      "write a fraction, e.g. 0.15 for 15 %", line=3),
    # unknown choices
    C("enum-mode-unknown.yaml", "eligibility.mode: must be one of", "'listed'",
      "Got 'everything' instead", line=3),
    C("enum-solver-unknown.yaml", "solver.name: must be one of 'highs' or 'cbc'",
      "Got 'gurobi'", line=3),
    C("enum-normalisation-unknown.yaml", "themes.normalisation", "Got 'zscore'", line=3),
    C("enum-balance-mode-false.yaml", "balance.mode", "Got False instead",
      "true and false are yes-or-no values: write one of the words above", line=3),
    C("enum-direction-unknown.yaml", "themes.directions.housing_vacancy_pct",
      "'higher' or 'lower'", "Got 'up'", line=4),
    C("enum-epci-type-unknown.yaml", "eligibility.rules.excluded_epci_types.1",
      "Got 'XYZ' instead", line=5),
    C("enum-imputation-unknown.yaml", "data.imputation", "Got 'mean'", line=3),
    # budgets
    C("budget-negative-envelope.yaml", "resources.funding.envelope_eur: must be >= 0. "
      "Got -5 instead", line=4),
    C("budget-negative-capacity.yaml", "resources.expertise.capacity_days: must be >= 0",
      "Got -100", line=4),
    C("budget-zero-subsidy.yaml", "subsidy_per_post_eur: must be > 0. Got 0 instead", line=4),
    C("budget-absurd-envelope.yaml", "envelope_eur", "probably a typo", line=4),
    C("budget-absurd-days.yaml", "capacity_days", "expert-days: probably a typo", line=4),
    C("budget-negative-penalty.yaml", "balance.penalties.days: must be > 0", line=5),
    # NaN and infinity
    C("nan-envelope.yaml", "envelope_eur: must be a finite number, not nan", line=4),
    C("inf-budget.yaml", "resources.engineering.budget_eur: must be a finite number, not inf",
      line=4),
    C("nan-tolerance.yaml", "balance.tolerance_share: must be a finite number", line=3),
    C("inf-slope.yaml", "benefit.slopes.0: must be a finite number, not inf", line=3),
    C("nan-theme-weight.yaml", "themes.definitions.habitat.housing_vacancy_pct",
      "must be a finite number, not nan", line=4),
    C("inf-saturation-per-theme.yaml", "saturation_per_theme_eur.habitat",
      "must be a finite number, not -inf", line=5),
    # shares outside [0, 1]
    C("share-tolerance-above-one.yaml", "balance.tolerance_share: must be <= 1. Got 1.5",
      "shares are fractions in [0, 1]", line=3),
    C("share-tolerance-as-percent.yaml", "must be <= 1. Got 15 instead",
      "write 0.15 for 15 %", line=3),
    C("share-tolerance-negative.yaml", "must be >= 0. Got -0.1 instead", line=3),
    C("share-spend-min-above-one.yaml", "spend_min_share: must be <= 1", line=4),
    C("share-cover-min-negative.yaml", "cover_min_share: must be >= 0. Got -1", line=4),
    C("share-mip-gap-above-one.yaml", "solver.mip_gap: must be <= 1", line=3),
    C("share-fragility-threshold.yaml", "eligibility.rules.fragility_threshold: must be <= 1",
      line=5),
    C("share-floor-scalar-above-one.yaml", "theme_floors_share: must be <= 1. Got 1.5",
      line=2),
    C("share-floor-dict-negative.yaml", "theme_floors_share.habitat: must be >= 0", line=3),
    C("floors-sum-above-one.yaml", "theme_floors_share sum to 1.2 > 1", "lower some floors"),
    C("floors-scalar-times-themes.yaml", "theme_floors_share sum to 1.2 > 1"),
    # benefit curve
    C("benefit-slopes-equal.yaml", "slopes must be strictly decreasing", "[1.0, 1.0, 0.5]",
      line=2),
    C("benefit-slopes-increasing.yaml", "slopes must be strictly decreasing", line=2),
    C("benefit-widths-sum-below-one.yaml", "segment_widths_share must sum to 1, got 0.9",
      line=2),
    C("benefit-widths-sum-above-one.yaml", "segment_widths_share must sum to 1, got 1.5",
      line=2),
    C("benefit-length-mismatch.yaml", "has 2 values but slopes has 3", line=2),
    C("benefit-negative-slope.yaml", "benefit.slopes.2: must be > 0. Got -0.1", line=3),
    C("benefit-zero-width.yaml", "benefit.segment_widths_share.2: must be > 0", line=3),
    C("benefit-empty-slopes.yaml", "segment_widths_share must sum to 1, got 0", line=2),
    # themes and indicators
    C("theme-none.yaml", "themes.definitions: at least one theme is needed", line=3),
    C("theme-remove-undefined.yaml", "theme 'culture' is not defined, so `null` removes "
      "nothing", line=3),
    C("theme-floor-for-removed-theme.yaml", "theme_floors_share names unknown theme(s) "
      "['heritage']", line=2),
    C("theme-zero-weights.yaml", "theme 'habitat' needs at least one indicator with weight > 0",
      line=3),
    C("theme-negative-weight.yaml", "housing_vacancy_pct: must be >= 0. Got -1", line=4),
    C("theme-unknown-in-floors.yaml", "theme_floors_share names unknown theme(s) ['culture']"),
    C("theme-unknown-in-saturation-eur.yaml", "saturation_per_theme_eur names unknown theme",
      "['sport']"),
    C("theme-unknown-in-saturation-days.yaml", "saturation_per_theme_days names unknown",
      "['heritag']"),
    C("indicator-unknown-in-theme.yaml", "themes.definitions.habitat.housing_vacancy",
      "unknown indicator(s) ['housing_vacancy']", "housing_vacancy_pct"),
    C("indicator-unknown-in-fragility.yaml", "themes.fragility.median_income",
      "unknown indicator(s) ['median_income']"),
    C("indicator-not-numeric.yaml", "['epci_name'] are not numeric indicators"),
    C("indicator-no-direction.yaml", "['housing_permits_5y'] have no direction",
      "themes.directions.housing_permits_5y: higher (or lower)"),
    C("indicator-unknown-in-directions.yaml", "directions names indicator(s) "
      "['housing_vacancy']", "a misspelling?", line=3),
    # regions, directorates, departments
    C("region-overseas-collectivity.yaml", "['97501']", "overseas collectivity with no region"),
    C("directorate-unknown-capacity.yaml", "capacity_days_by_directorate",
      "unknown directorate(s) ['Cerema Atlantide']"),
    C("directorate-unknown-department.yaml", "directorate_by_department",
      "unknown department code(s) ['99']"),
    C("directorate-department-unquoted.yaml", "directorate_by_department.1",
      "key 1 must be quoted text", line=5),
    # eligibility and INSEE codes
    C("eligible-empty-listed.yaml", "mode `listed`", "include is empty", line=2),
    C("eligible-empty-rules.yaml", "eligibility: no town is eligible"),
    C("eligible-empty-include-excluded.yaml", "['10268'] are both in include and in exclude",
      line=2),
    C("eligible-min-above-max-population.yaml",
      "min_population (30,000) must be below max_population (20,000)", line=4),
    C("insee-include-unknown.yaml", "eligibility.include", "['99999'] are not current communes"),
    C("insee-exclude-unknown.yaml", "eligibility.exclude", "['00000'] are not current communes"),
    C("insee-include-malformed.yaml", "eligibility.include", "malformed INSEE code '1033'",
      line=4),
    C("insee-include-unquoted.yaml", "INSEE code 10268 must be quoted text", line=4),
    C("insee-include-octal.yaml", "INSEE code 01033 must be quoted text", "leading zero",
      line=4),
    C("insee-include-duplicated.yaml", "INSEE code '10268' is listed twice", line=4),
    C("insee-exclude-leading-zero-unquoted.yaml", "eligibility.exclude",
      "INSEE code 01033 must be quoted text", line=4),
    C("directorate-department-leading-zero-unquoted.yaml",
      "directorate_by_department.01: key 01 must be quoted text", line=5),
    # numbers as a person writes them: YAML 1.1 forms are refused, never reinterpreted
    C("number-leading-zero-days.yaml", "max_days_per_town: must be a number. Got '040'",
      "write 40 without the leading zero", line=4),
    C("number-leading-zero-whole.yaml", "towns_per_post: must be a whole number. Got '03'",
      "write 3 without the leading zero", line=4),
    C("number-sexagesimal-time-limit.yaml", "solver.time_limit_s: must be a number",
      "Got '1:30'", "e.g. 90", line=3),
    C("number-hex-envelope.yaml", "envelope_eur: must be a number. Got '0x1F'",
      "in decimal digits", line=4),
    C("number-octal-prefix-envelope.yaml", "Got '0o17'", "in decimal digits", line=4),
    C("number-decimal-comma.yaml", "tolerance_share: must be a number. Got '0,15'",
      "write 0.15 (a decimal point, not a comma)", line=3),
    C("number-misgrouped-underscores.yaml", "Got '25_800_00'",
      "`_` separates groups of three digits", line=4),
    C("number-quoted.yaml", "Got '25800000' instead", "write the number without quotes",
      line=4),
    C("number-yes-for-days.yaml", "capacity_days: must be a number. Got 'yes'", line=4),
    C("number-true-for-threads.yaml", "solver.threads: must be a whole number. Got True",
      line=3),
    # fixed limits of size and of the ranges the solver handles
    C("limit-threads.yaml", "solver.threads: must be <= 64. Got 100000",
      "valid on every machine", line=3),
    C("limit-benefit-segments.yaml", "segment_widths_share: has 11 values, more than the "
      "limit of 10", line=3),
    C("limit-towns-per-post.yaml", "towns_per_post: must be <= 200", line=4),
    C("limit-slope.yaml", "benefit.slopes.0: must be <= 10000. Got 1e+25", line=3),
    C("limit-penalty.yaml", "balance.penalties.towns: must be <= 10000", line=5),
    C("limit-time-limit.yaml", "solver.time_limit_s: must be <= 604800", "one week", line=3),
    # unknown keys at every level
    C("key-unknown-top.yaml", "nmae: unknown field", "did you mean `name`?", line=1),
    C("key-unknown-data.yaml", "data.planner_csv: unknown field",
      "did you mean `planner_indicators`?", line=3),
    C("key-unknown-eligibility.yaml", "eligibility.modes: unknown field", "`mode`", line=3),
    C("key-unknown-rules.yaml", "eligibility.rules.max_pop: unknown field",
      "`max_population`", line=4),
    C("key-unknown-themes.yaml", "themes.weights: unknown field", "definitions", line=3),
    C("key-unknown-resources.yaml", "resources.money: unknown field", "funding", line=3),
    C("key-unknown-funding.yaml", "resources.funding.envelope: unknown field",
      "did you mean `envelope_eur`?", line=4),
    C("key-unknown-expertise.yaml", "resources.expertise.capacity: unknown field",
      "`capacity_days`", line=4),
    C("key-unknown-engineering.yaml", "resources.engineering.budget: unknown field",
      "`budget_eur`", line=4),
    C("key-unknown-balance.yaml", "balance.tolerance: unknown field", "`tolerance_share`",
      line=3),
    C("key-unknown-penalties.yaml", "balance.penalties.funding: unknown field",
      "`funding_per_keur`", line=4),
    C("key-unknown-benefit.yaml", "benefit.widths: unknown field", "segment_widths_share",
      line=3),
    C("key-unknown-solver.yaml", "solver.time_limit: unknown field", "`time_limit_s`", line=3),
    C("key-unknown-analysis.yaml", "analysis.duals: unknown field", "shadow_prices", line=3),
    C("key-source-not-settable.yaml", "source: `source` is set by pvd-optim", line=2),
    # structure
    C("struct-empty.yaml", "is empty; a scenario needs at least a `name`"),
    C("struct-comments-only.yaml", "is empty"),
    C("struct-list.yaml", "must be a mapping of sections", "not a list", line=1),
    C("struct-scalar.yaml", "must be a mapping of sections", "not a str", line=1),
    C("struct-duplicate-key-top.yaml", "key 'name' appears twice (also on line 1)", line=3),
    C("struct-duplicate-key-nested.yaml", "resources.funding.envelope_eur",
      "appears twice (also on line 4)", line=6),
    C("struct-duplicate-section.yaml", "key 'balance' appears twice (also on line 2)", line=6),
    # YAML syntax
    C("yaml-bad-indent.yaml", "YAML syntax error", "check indentation", line=5),
    C("yaml-unclosed-quote.yaml", "YAML syntax error", "end of stream", line=3),
    C("yaml-unclosed-bracket.yaml", "YAML syntax error", "expected ',' or ']'", line=4),
    C("yaml-tab-indent.yaml", "YAML syntax error", "indent with spaces, not tabs", line=3),
    C("yaml-mapping-in-scalar.yaml", "YAML syntax error", "mapping values", line=2),
    # YAML tags
    C("tag-python-apply.yaml", "YAML tag !!python/object/apply:os.system is not allowed",
      line=1),
    C("tag-python-name.yaml", "YAML tag !!python/name:os.system is not allowed", line=2),
    C("tag-python-object-new.yaml", "!!python/object/new:collections.OrderedDict", line=2),
    C("tag-custom-include.yaml", "YAML tag !include is not allowed", line=2),
    C("tag-binary.yaml", "YAML tag !!binary is not allowed", line=2),
    C("tag-set.yaml", "YAML tag !!set is not allowed", line=3),
    C("tag-omap.yaml", "YAML tag !!omap is not allowed", line=3),
    C("tag-core-float.yaml", "YAML tag !!float is not allowed", line=3),
    C("tag-on-key.yaml", "YAML tag !!str is not allowed", line=2),
    C("tag-in-flow-sequence.yaml", "YAML tag !code is not allowed", line=4),
    C("tag-non-specific.yaml", "YAML tag ! is not allowed", line=2),
    C("tag-escape-sequence.yaml", r"YAML tag '!foo\x1b[2J' is not allowed", line=2),
    # aliases, nesting and keys: bounded before anything walks the document
    C("alias-billion-laughs.yaml", "holds more than 100,000 values", "fewer aliases",
      line=6),
    C("alias-self-reference.yaml", "alias *loop is used inside the value it names",
      "anchor on line 2", line=3),
    C("nesting-too-deep.yaml", "nested more than 20 levels deep", line=2),
    C("key-is-a-list.yaml", "a key must be plain text, not a list or a mapping", line=2),
    # user text in messages: quoted, escaped, on one line
    C("key-newline-escape.yaml", r"'na\nerror: forged \x1b[31mred': unknown field", line=2),
    C("key-unknown-control-characters.yaml",
      r"resources.funding.'cap\x07\u2028': unknown field", line=4),
    C("theme-unknown-escape-in-name.yaml", r"unknown theme(s) ['\x1b[2J\nerror: x']", line=2),
    C("enum-value-escape-sequence.yaml", r"Got 'hard\x1b[31m' instead", line=3),
    # extends
    C("extends-cycle-a.yaml", "`extends` forms a cycle",
      "extends-cycle-a.yaml -> extends-cycle-b.yaml -> extends-cycle-a.yaml"),
    C("extends-cycle-b.yaml", "`extends` forms a cycle"),
    C("extends-self.yaml", "`extends` forms a cycle (extends-self.yaml -> extends-self.yaml)"),
    C("extends-missing.yaml", "extends: parent scenario 'no-such-parent.yaml' not found",
      line=1),
    C("extends-not-a-path.yaml", "extends: `extends` must be one file path", line=1),
    C("extends-broken-parent.yaml", "envelope_eur: must be >= 0",
      where="budget-negative-envelope.yaml", line=4),
    C("extends-syntax-error-parent.yaml", "YAML syntax error",
      where="yaml-unclosed-quote.yaml", line=3),
    C("extends-dev-zero.yaml", "extends: is a device, not a scenario file", where="/dev/zero"),
    C("extends-directory.yaml", "extends: is a directory, not a scenario file",
      where="scores_csv"),
    C("extends-csv-file.yaml", "must be a mapping of sections", where="nan.csv", line=1),
    # encodings
    C("encoding-latin1.yaml", "is not valid UTF-8 text (byte 0xe9", "save it as UTF-8", line=2),
    C("encoding-utf16.yaml", "is UTF-16 text", "save it as UTF-8", line=1),
    C("encoding-nul-bytes.yaml", "file contains NUL bytes", "save it again as UTF-8", line=1),
    # data files named by the scenario
    C("data-planner-csv-missing.yaml", "planner indicator file not found",
      where="no-such-file.csv"),
    C("data-scores-csv-missing.yaml", "themes.scores_csv: score file not found",
      where="no-such-scores.csv"),
    C("data-scores-csv-missing-column.yaml", "missing column(s) ['need_heritage']",
      where="missing-column.csv"),
    C("data-scores-csv-out-of-range.yaml", "need_habitat must be a number in [0, 1]",
      where="out-of-range.csv", line=3),
    C("data-scores-csv-duplicate.yaml", "INSEE code 10268 appears twice (lines 2 and 3)",
      where="duplicate.csv", line=3),
    C("data-scores-csv-unknown-code.yaml", "INSEE code 99999 is not a current commune",
      where="unknown-code.csv", line=3),
    C("data-scores-csv-nan.yaml", "fragility: 'nan' value 'nan' (code 10420) is not accepted",
      where="nan.csv", line=3),
    C("data-scores-csv-latin1.yaml", "file is not valid UTF-8 text", "save it as UTF-8",
      where="latin1.csv"),
]

OVERRIDE_CASES = [
    C(str(TOY), "--set resources.funding.envelope_eur: must be a number", "Got 'abc'",
      overrides=("resources.funding.envelope_eur=abc",)),
    C(str(TOY), "--set resources.funding.envelope_eur: must be a finite number, not nan",
      overrides=("resources.funding.envelope_eur=.nan",)),
    C(str(TOY), "--set balance.tolerance_share: must be <= 1. Got 2",
      overrides=("balance.tolerance_share=2",)),
    C(str(TOY), "--set resources.funding: must be a section", "got 5",
      overrides=("resources.funding=5",)),
    C(str(TOY), "--set resources.fundin: unknown field", "did you mean `funding`?",
      overrides=("resources.fundin.envelope_eur=3",)),
    C(str(TOY), "--set name.x: cannot set 'name.x': 'name' is a value, not a section",
      overrides=("name.x=2",)),
    C(str(TOY), "--set eligibility.include: must be a list",
      overrides=("eligibility.include=10268",)),
    C(str(TOY), "--set resources.funding.envelope_eur", "probably a typo",
      overrides=("resources.funding.envelope_eur=1e15",)),
    C(str(TOY), "--set resources.funding.envelope_eur: must be a number. Got '0x1F'",
      overrides=("resources.funding.envelope_eur=0x1F",)),
    C(str(TOY), "--set eligibility.include: INSEE code 01033 must be quoted text",
      overrides=("eligibility.include=[01033]",)),
    C(str(TOY), "--set solver.time_limit_s: must be a number. Got '1:30'",
      overrides=("solver.time_limit_s=1:30",)),
    C(str(TOY), "--set resources.expertise.max_days_per_town: must be a number. Got '040'",
      overrides=("resources.expertise.max_days_per_town=040",)),
    C(str(TOY), "--set solver.threads: must be <= 64",
      overrides=("solver.threads=2000",)),
    C(str(TOY), "--set themes.definitions: theme 'culture' is not defined",
      overrides=("themes.definitions.culture=null",)),
]

#: --set values that cannot even be parsed: they name the override, not a file.
UNPARSABLE_OVERRIDES = [
    ("nokey", "--set: override 'nokey' must look like dotted.key=value, for example "
     "resources.funding.envelope_eur=30e6"),
    ("=4", "--set: override '=4' must look like dotted.key=value, for example "
     "resources.funding.envelope_eur=30e6"),
    ("solver.threads=[1", "solver.threads: override value '[1' is not a valid YAML value"),
    ("description=!!binary aGVsbG8=", "description: override value '!!binary aGVsbG8=': "
     "YAML tag !!binary is not allowed: scenario files hold plain values only (text, numbers, "
     "lists, mappings); remove the tag"),
    ("name=&a [*a]", "name: override value '&a [*a]': alias *a is used inside the value it "
     "names (anchor on line 1); a value cannot contain itself"),
    ("eligibility.include=[!!python/name:os.system '1']", "eligibility.include: override "
     "value \"[!!python/name:os.system '1']\": YAML tag !!python/name:os.system is not "
     "allowed: scenario files hold plain values only (text, numbers, lists, mappings); "
     "remove the tag"),
]

PLANNER_CASES = [
    # (file, line, fragments)
    ("empty.csv", None, ("file is empty", "'insee' column")),
    ("blank-lines-only.csv", None, ("file is empty",)),
    ("header-only.csv", 1, ("no data rows after the header",)),
    ("no-insee-column.csv", 1, ("insee: no 'insee' key column", "found: code, vacancy_2024")),
    ("insee-column-misspelt-semicolon.csv", 1, ("found: INSEE, vacance",
                                                "separator detected: ';'")),
    ("duplicate-column.csv", 1, ("vacancy_2024: column appears twice",)),
    ("empty-header-cell.csv", 1, ("a header cell is empty",)),
    ("only-insee.csv", 1, ("no indicator columns besides 'insee'",)),
    ("identity-column.csv", 1, ("population: would override an identity column",)),
    ("ragged-row.csv", 3, ("3 cells where the header has 2",)),
    ("decimal-comma-with-comma-separator.csv", 2, ("3 cells where the header has 2",
                                                   "a decimal comma (12,5) needs ';'")),
    ("unclosed-quote.csv", 3, ("a quote \" is probably not closed",)),
    ("code-leading-zero-dropped.csv", 3, ("insee: malformed INSEE code '1033'",
                                          "dropped a leading zero")),
    ("code-letters.csv", 3, ("malformed INSEE code 'ABCDE'",)),
    ("code-six-digits.csv", 2, ("malformed INSEE code '102680'",)),
    ("code-empty.csv", 3, ("malformed INSEE code ''",)),
    ("code-duplicated.csv", 4, ("INSEE code 10268 appears twice (lines 2 and 4)",)),
    ("code-unknown.csv", 3, ("INSEE code 99999 is not a current commune",)),
    ("value-nan.csv", 3, ("vacancy_2024: 'nan' value 'nan' (code 10420) is not accepted",
                          "leave the cell empty")),
    ("value-inf.csv", 2, ("infinite value 'inf' (code 10268)",)),
    ("value-minus-infinity.csv", 2, ("infinite value '-Infinity'",)),
    ("value-overflow.csv", 2, ("value '1e400' (code 10268) is too large",)),
    ("value-text.csv", 3, ("value 'n/a' (code 10420) is not a number", "leave the cell empty")),
    ("value-percent-sign.csv", 2, ("value '12.5%'", "without units, % signs")),
    ("value-thousands-space.csv", 2, ("permits: value '1 234,5'", "thousands separators")),
    ("value-formula.csv", 2, ("value '=A1*2' (code 10268) is not a number",)),
    ("override-non-numeric-column.csv", 2, ("housing_vacancy_pct: value 'high'",)),
    ("encoding-latin1.csv", 3, ("file is not valid UTF-8 text (byte 0xe2", "save it as UTF-8")),
    ("encoding-utf16.csv", 1, ("file is UTF-16", "save it as UTF-8")),
    ("encoding-utf16-be-no-bom.csv", 1, ("file is UTF-16",)),
    ("excel-workbook.csv", None, ("is an Excel workbook, not a text file",)),
    ("nul-bytes.csv", 2, ("file contains NUL bytes",)),
]


def _error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI in-process; check exit code 2 and one clean ``error:`` line; return it."""
    capsys.readouterr()
    code = main([*argv, "--lang", "en"])  # the framing asserted is the English one
    captured = capsys.readouterr()
    assert code == 2, (code, captured.err)
    assert "Traceback" not in captured.err
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("error: "), lines[0]
    # No raw control character (ESC, BEL, a Unicode line separator...) from the file.
    assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", lines[0]), repr(lines[0])
    return lines[0]


def _check(message: str, where: str, line: int | None, fragments: tuple[str, ...]) -> None:
    assert where in message, message
    if line is not None:
        assert f"{where}:{line}:" in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


def _wrap(tmp_path: Path, csv: Path) -> Path:
    """A small valid scenario that reads ``csv`` as planner indicators."""
    scenario = tmp_path / f"wrap-{csv.stem}.yaml"
    scenario.write_text(
        "name: wrapper\neligibility:\n  mode: listed\n  include: ['10268', '10420']\n"
        f"data:\n  planner_indicators: ['{csv.as_posix()}']\n",
        encoding="utf-8",
    )
    return scenario


@pytest.mark.parametrize("case", SCENARIO_CASES, ids=[c.file for c in SCENARIO_CASES])
def test_bad_scenario(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    message = _error_line(capsys, ["validate", "-q", str(SCENARIOS / case.file)])
    _check(message, case.where or case.file, case.line, case.fragments)


@pytest.mark.parametrize("case", OVERRIDE_CASES, ids=[c.overrides[0] for c in OVERRIDE_CASES])
def test_bad_override(case: Case, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["validate", "-q", case.file]
    for item in case.overrides:
        argv += ["--set", item]
    message = _error_line(capsys, argv)
    # The value came from the command line, not from a line of the file.
    _check(message, f"{TOY.name}: --set ", None, case.fragments)


@pytest.mark.parametrize(("item", "expected"), UNPARSABLE_OVERRIDES)
def test_unparsable_override(item: str, expected: str,
                             capsys: pytest.CaptureFixture[str]) -> None:
    message = _error_line(capsys, ["validate", "-q", str(TOY), "--set", item])
    assert message == f"error: {expected}"


@pytest.mark.parametrize(("file", "line", "fragments"), PLANNER_CASES,
                         ids=[c[0] for c in PLANNER_CASES])
def test_bad_planner_csv(file: str, line: int | None, fragments: tuple[str, ...],
                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _wrap(tmp_path, PLANNER_CSV / file)
    message = _error_line(capsys, ["validate", "-q", str(scenario)])
    _check(message, file, line, fragments)


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        ("latin1.csv", "insee;vacance\n10268;élevée\n".encode("latin-1"),
         ("file is not valid UTF-8 text (byte 0xe9",)),
        ("utf16le.csv", "insee,vacancy\n10268,1\n".encode("utf-16-le"), ("file is UTF-16",)),
    ],
)
def test_planner_csv_written_in_the_test(name: str, content: bytes, fragments: tuple[str, ...],
                                         tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    csv = tmp_path / name
    csv.write_bytes(content)
    message = _error_line(capsys, ["validate", "-q", str(_wrap(tmp_path, csv))])
    _check(message, name, None, fragments)


class Generated(NamedTuple):
    """A hostile scenario written in ``tmp_path``: the file to validate and its error."""

    scenario: Path
    where: str
    line: int | None
    fragments: tuple[str, ...]


def _alias_bomb(tmp: Path) -> Generated:
    # 30 levels, each naming the previous twice: 2**30 values from 1 kB.
    lines = ["name: t", "l0: &l0 [lol, lol]"]
    lines += [f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}]" for i in range(1, 31)]
    path = tmp / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    return Generated(path, "bomb.yaml", 16, ("holds more than 100,000 values",))


def _alias_bomb_in_parent(tmp: Path) -> Generated:
    bomb = _alias_bomb(tmp)
    child = tmp / "child.yaml"
    child.write_text("extends: bomb.yaml\nname: child\n")
    return Generated(child, "bomb.yaml", bomb.line, bomb.fragments)


def _self_alias_sequence(tmp: Path) -> Generated:
    path = tmp / "loop.yaml"
    path.write_text("name: t\ndescription: &me [1, 2, *me]\n")
    return Generated(path, "loop.yaml", 2, ("alias *me is used inside the value it names",))


def _deep_flow(tmp: Path) -> Generated:
    path = tmp / "deep.yaml"
    path.write_text("name: t\ndescription: " + "[" * 5000 + "]" * 5000 + "\n")
    return Generated(path, "deep.yaml", 2, ("nested more than 20 levels deep",))


def _deep_block(tmp: Path) -> Generated:
    path = tmp / "deep-block.yaml"
    path.write_text("name: t\n" + "".join(f"{'  ' * i}k{i}:\n" for i in range(300))
                    + "  " * 300 + "x: 1\n")
    return Generated(path, "deep-block.yaml", 22, ("nested more than 20 levels deep",))


def _chain(tmp: Path, length: int) -> Path:
    for i in range(length):
        parent = f"extends: s{i + 1}.yaml\n" if i + 1 < length else ""
        (tmp / f"s{i}.yaml").write_text(f"{parent}name: s{i}\n")
    return tmp / "s0.yaml"


def _long_chain(tmp: Path) -> Generated:
    return Generated(_chain(tmp, 1200), "s15.yaml", 1, (
        "extends: the `extends` chain is longer than 16 files (s0.yaml -> ... -> s15.yaml)",))


def _chain_of_seventeen(tmp: Path) -> Generated:
    return Generated(_chain(tmp, 17), "s15.yaml", 1, ("chain is longer than 16 files",))


def _huge_parent(tmp: Path) -> Generated:
    parent = tmp / "huge.yaml"
    with parent.open("wb") as handle:  # sparse: 100 MB on disk costs nothing
        handle.truncate(100 * 1024 * 1024)
    child = tmp / "child.yaml"
    child.write_text("extends: huge.yaml\nname: t\n")
    return Generated(child, "huge.yaml", None, (
        "extends: the scenario file is 100.0 MiB, more than the 1.0 MiB limit",))


def _huge_file(tmp: Path) -> Generated:
    path = tmp / "big.yaml"
    path.write_text("name: t\ndescription: " + "x" * (1 << 20) + "\n")
    return Generated(path, "big.yaml", None, ("more than the 1.0 MiB limit",))


def _fifo_parent(tmp: Path) -> Generated:
    os.mkfifo(tmp / "pipe.yaml")
    child = tmp / "child.yaml"
    child.write_text("extends: pipe.yaml\nname: t\n")
    return Generated(child, "pipe.yaml", None, ("extends: is a named pipe (FIFO), not a "
                                                "scenario file",))


def _link_loop_parent(tmp: Path) -> Generated:
    (tmp / "a.yaml").symlink_to(tmp / "b.yaml")
    (tmp / "b.yaml").symlink_to(tmp / "a.yaml")
    child = tmp / "child.yaml"
    child.write_text("extends: a.yaml\nname: t\n")
    return Generated(child, "a.yaml", None, ("extends: cannot open the scenario file: a loop "
                                             "of symbolic links",))


def _dangling_link_parent(tmp: Path) -> Generated:
    (tmp / "gone.yaml").symlink_to(tmp / "nowhere.yaml")
    child = tmp / "child.yaml"
    child.write_text("extends: gone.yaml\nname: t\n")
    return Generated(child, "gone.yaml", None, ("extends: scenario file not found",))


def _directory_parent(tmp: Path) -> Generated:
    (tmp / "folder.yaml").mkdir()
    child = tmp / "child.yaml"
    child.write_text("extends: folder.yaml\nname: t\n")
    return Generated(child, "folder.yaml", None, ("extends: is a directory, not a scenario "
                                                  "file",))


def _unreadable_parent(tmp: Path) -> Generated:
    if os.geteuid() == 0:
        pytest.skip("root reads any file: permissions cannot be tested")
    parent = tmp / "secret.yaml"
    parent.write_text("name: secret\n")
    parent.chmod(0)
    child = tmp / "child.yaml"
    child.write_text("extends: secret.yaml\nname: t\n")
    return Generated(child, "secret.yaml", None, ("permission denied",))


GENERATED = [_alias_bomb, _alias_bomb_in_parent, _self_alias_sequence, _deep_flow, _deep_block,
             _long_chain, _chain_of_seventeen, _huge_parent, _huge_file,
             _fifo_parent, _link_loop_parent, _dangling_link_parent, _directory_parent,
             _unreadable_parent]


@pytest.mark.parametrize("make", GENERATED, ids=[g.__name__.strip("_") for g in GENERATED])
def test_hostile_scenario_generated(make: Any, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Documents and chains too big, too deep or not files: one located line, exit 2."""
    case = make(tmp_path)
    message = _error_line(capsys, ["validate", "-q", str(case.scenario)])
    _check(message, case.where, case.line, case.fragments)


def test_too_many_plain_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    """Plain values (no alias) count too; the limit is lowered so the test stays quick."""
    monkeypatch.setattr("pvd_optim.scenario.yaml_reader.MAX_EXPANDED_VALUES", 1_000)
    path = tmp_path / "wide.yaml"
    path.write_text("name: t\ndescription:\n" + "".join(f"- {i}\n" for i in range(1_000)))
    message = _error_line(capsys, ["validate", "-q", str(path)])
    # 5 values precede the list's items: the 996th item (line 998) is the 1,001st value.
    _check(message, "wide.yaml", 998, ("holds more than 1,000 values",))


def test_chain_of_sixteen_files_is_accepted(tmp_path: Path) -> None:
    from pvd_optim.scenario import load_scenario

    assert load_scenario(_chain(tmp_path, 16)).name == "s0"


def test_missing_scenario_and_directory(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "does-not-exist.yaml"
    message = _error_line(capsys, ["validate", "-q", str(missing)])
    _check(message, "does-not-exist.yaml", None, ("scenario file not found",))
    message = _error_line(capsys, ["validate", "-q", str(tmp_path)])
    _check(message, tmp_path.name, None, ("is a directory, not a scenario file",))


@pytest.mark.parametrize(
    "case",
    [c for c in SCENARIO_CASES if c.file in {
        "budget-negative-envelope.yaml", "tag-python-apply.yaml", "extends-cycle-a.yaml",
        "insee-include-unknown.yaml", "indicator-unknown-in-theme.yaml"}],
    ids=lambda c: c.file,
)
def test_run_fails_before_writing(case: Case, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "results"
    message = _error_line(capsys, ["run", "-q", str(SCENARIOS / case.file), "--out", str(out)])
    _check(message, case.where or case.file, case.line, case.fragments)
    assert not out.exists()


def test_no_python_object_is_built(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A YAML tag naming a callable must never run it."""
    marker = tmp_path / "pwned"
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(f"name: !!python/object/apply:os.system ['touch {marker}']\n")
    message = _error_line(capsys, ["validate", "-q", str(scenario)])
    _check(message, "evil.yaml", 1, ("is not allowed",))
    assert not marker.exists()


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("pvd-optim")
    if script.exists():
        return [str(script)]
    found = shutil.which("pvd-optim")
    return [found] if found else [sys.executable, "-m", "pvd_optim.cli"]


@pytest.mark.parametrize(
    ("args", "where", "fragment"),
    [
        (["validate", str(SCENARIOS / "tag-python-apply.yaml")], "tag-python-apply.yaml:1:",
         "is not allowed"),
        (["validate", str(SCENARIOS / "insee-include-unknown.yaml")],
         "insee-include-unknown.yaml", "are not current communes"),
        (["run", str(SCENARIOS / "encoding-utf16.yaml"), "--out", "{tmp}/out"],
         "encoding-utf16.yaml:1:", "is UTF-16 text"),
    ],
    ids=["tag", "unknown-code", "run-utf16"],
)
def test_subprocess_no_traceback(args: list[str], where: str, fragment: str,
                                 tmp_path: Path) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = subprocess.run([*_console_script(), *argv, "--lang", "en"], capture_output=True,
                          text=True,
                          timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.stderr
    # Without --quiet only progress lines ("[  0.4s] ...") may accompany the error.
    others = [line for line in done.stderr.splitlines() if not line.startswith("error: ")]
    assert all(line.lstrip().startswith(("[", "(")) for line in others), done.stderr
    assert where in errors[0] and fragment in errors[0], errors[0]
    assert not (tmp_path / "out").exists()


def test_every_corpus_file_has_a_case() -> None:
    scenario_files = {p.name for p in SCENARIOS.glob("*.yaml")}
    assert len(scenario_files) >= 60
    assert scenario_files == {c.file for c in SCENARIO_CASES}
    csv_files = {p.name for p in PLANNER_CSV.glob("*.csv")}
    assert len(csv_files) >= 20
    assert csv_files == {c[0] for c in PLANNER_CASES}
