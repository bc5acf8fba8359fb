"""The public vocabulary of segstat: every keyword of a public function or class, and every CLI option, once.

``GLOSSARY`` is the machine-readable form of ``docs/api/glossary.rst`` (which is generated from it:
``python -m segstat._glossary > docs/api/glossary.rst``). ``tests/test_glossary.py`` walks
``inspect.signature`` of everything in ``segstat.__all__`` and the options of the ``segstat`` command
against it, and fails on a keyword it does not know, a default it does not list, or a choice (``Literal``)
outside the term's values.

To add a keyword: add one :class:`Term` here (in alphabetical order), regenerate the page, and run
``tests/test_glossary.py``. A word already here keeps its meaning; a new meaning needs a new word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["GLOSSARY", "REQUIRED", "Term", "render"]


class _Required:
    """Marks a keyword without a default (the caller must give it)."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Term:
    """One public keyword.

    meaning, type_text, default
        What the page says (type and default as a reader would write them).
    defaults
        Every default a signature may have (``REQUIRED``: none, the caller gives it).
    kinds
        Python types a non-None default must be an instance of (empty: not checked).
    values
        For a keyword typed as a ``Literal``: the values it may take (None is always allowed where the
        signature allows it); a function accepts a subset and documents which.
    functions
        Where the keyword may appear, for words whose meaning belongs to one function (``method``,
        ``index`` ...): public function or class names, or ``"cli"``. Empty: any function may use it, in
        this meaning.
    cli_only
        An option of the ``segstat`` command only (file handling, the demo).
    """

    meaning: str
    type_text: str
    default: str = "required"
    defaults: tuple[Any, ...] = (REQUIRED,)
    kinds: tuple[type, ...] = ()
    values: frozenset[Any] | None = None
    functions: tuple[str, ...] = ()
    cli_only: bool = False
    notes: str = field(default="", compare=False)


_COLUMN = (str,)
_ANY_COLUMN = "str"
_INDICES = frozenset({"dissimilarity", "gini", "entropy", "isolation", "exposure", "atkinson",
                      "multigroup_entropy", "multigroup_dissimilarity"})

GLOSSARY: dict[str, Term] = {
    # ------------------------------------------------------------------ the settled vocabulary (issue 16)
    "area": Term("Name of the column holding area codes.", _ANY_COLUMN, kinds=_COLUMN),
    "by": Term("Column(s) splitting the data into independent parts; the results are stacked, one row (or "
               "block of rows) per part, the part columns first. A part inside ``by=`` gives what the part "
               "gives alone with the same ``rng`` (see ``rng``).", "str | list[str] | None",
               "None (ojamlikhetsindex: \"kommun\"; standardize, tabulate: required)",
               (None, "kommun", REQUIRED), _COLUMN),
    "ci": Term("How intervals are obtained: ``\"analytic\"`` (a formula), ``\"bootstrap\"`` (resampling the "
               "data), ``\"simulation\"`` (parametric simulation); None for no interval. Typed as "
               "``segstat._typing.CIMethod``; each function documents the subset it accepts.",
               "Literal[\"analytic\", \"bootstrap\", \"simulation\"] | None",
               "\"analytic\" (rates, standardize, disparity); None (segregation indices)",
               (None, "analytic"), (str,), frozenset({"analytic", "bootstrap", "simulation"})),
    "confidence_level": Term("Confidence level of intervals, strictly between 0 and 1 (scipy's word).", "float",
                             "0.95", (0.95,), (float,)),
    "errors": Term("What to do with a value that cannot be read: ``\"raise\"`` an error naming it, or "
                   "``\"coerce\"`` it to missing (and report it).", "Literal[\"raise\", \"coerce\"]", "\"raise\"",
                   ("raise",), (str,), frozenset({"raise", "coerce"})),
    "events": Term("Name of the column of event counts of a rate.", _ANY_COLUMN, kinds=_COLUMN),
    "from_vintage": Term("Code vintage converted from (crosswalks); None takes it from the data's "
                         "``attrs['segstat.vintage']``.", "int | None", "None", (None, REQUIRED), (int,)),
    "group": Term("Name of the COUNT column of the group's members per area (two-group segregation indices; "
                  "with ``total``).", _ANY_COLUMN, "required (segregation_test: None, then ``groups``)",
                  (REQUIRED, None), _COLUMN),
    "groups": Term("Names of the count columns of mutually exclusive groups (multigroup segregation indices); "
                   "an area's total is their sum.", "Sequence[str]",
                   "required (segregation_test: None, then ``group``/``total``)", (REQUIRED, None)),
    "interval": Term("The interval formula within ``ci``: ``\"exact-poisson\"``, ``\"exact-binomial\"``, "
                     "``\"wilson\"`` (analytic rates); ``\"basic\"``, ``\"percentile\"`` (bootstrap). Typed as "
                     "``segstat._typing.Interval``.", "Literal[...]",
                     "\"exact-poisson\" (rates); \"basic\" (segregation indices)",
                     ("exact-poisson", "basic"), (str,),
                     frozenset({"exact-poisson", "exact-binomial", "wilson", "basic", "percentile"})),
    "labels": Term("Add label columns in this language.", "Literal[\"sv\", \"en\"] | None", "None", (None,), (str,),
                   frozenset({"sv", "en"})),
    "lang": Term("Language of text output (reports, notes, SCB labels).", "Literal[\"sv\", \"en\"]", "\"sv\"",
                 ("sv",), (str,), frozenset({"sv", "en"})),
    "level": Term("AREA level only: ``\"deso\"``, ``\"regso\"``, ``\"kommun\"``, ``\"lan\"`` (never a "
                  "confidence level: see ``confidence_level``); ``segstat.scb.get``: None takes the table's own "
                  "region codes.", "str", "required, or \"deso\"",
                  (REQUIRED, "deso", None), (str,), frozenset({"deso", "regso", "kommun", "lan"})),
    "min_count": Term("Disclosure threshold: cells with fewer units are primary-suppressed.", "int", "3", (3,),
                      (int,)),
    "n_jobs": Term("Parallel workers (threads); None = all cores. The answer does not depend on it.",
                   "int | None", "None", (None,), (int,)),
    "n_resamples": Term("Number of bootstrap, permutation or simulation replicates (scipy's word); 1 to 10,000,000.",
                        "int",
                        "999 (segregation indices and test); 2000 (disparity); 1000 (rank_areas)", (999, 2000, 1000),
                        (int,)),
    "order": Term("Order of labels: the ``subgroup`` labels, most disadvantaged first; for ``segstat protect``, "
                  "the labels of a ``--by`` column in the order of the table (default: natural order).",
                  "Sequence | None", "None", (None,)),
    "out": Term("Output directory or file of reports and sites.", "path",
                "required (demo: \"segstat-demo\")",
                ("segstat-demo", REQUIRED, None), (str,)),
    "per": Term("Rate multiplier: rates per this many persons (up to 1e9).", "float", "1000", (1000,), (int, float)),
    "period": Term("Name of the COLUMN holding the time period in panels.", _ANY_COLUMN, kinds=_COLUMN),
    "population": Term("Name of the column of population counts (persons or person-years) of a rate.",
                       _ANY_COLUMN, kinds=_COLUMN),
    "progress": Term("Show a progress bar (tqdm, ``progress`` extra).", "bool", "False", (False,), (bool,)),
    "protection": Term("Disclosure: upper protection level of every primary cell.", "float | None", "None",
                       (None,), (int, float)),
    "reference": Term("Reference subgroup of a comparison (disparity); in decompose_change which "
                      "classification is held fixed (``\"start\"``, ``\"end\"``, ``\"average\"``).", "label",
                      "None (disparity); \"start\" (decompose_change)", (None, "start")),
    "rng": Term("Randomness: an int seed, a ``numpy.random.Generator`` or None (fresh entropy). With ``by=``, "
                "every part is seeded as the part run alone: an int seeds each part afresh, a Generator gives "
                "one integer, drawn once, which then seeds each part; so a part inside ``by=`` equals the part "
                "alone with the same rng. The draws follow the rows in the order given: the same rng on the same "
                "rows in another order gives other bootstrap replicates and permutations (equally valid, not "
                "identical); for results that repeat exactly, sort the rows (e.g. by area code) first.",
                "int | numpy.random.Generator | None", "None (CLI: a fixed seed)",
                (None, 1, 2025), (int,)),
    "seed": Term("ONLY the secret key of record keys (record_keys, cell-key perturbation); randomness is "
                 "``rng``.", "int", functions=("record_keys",), kinds=(int,)),
    "strata": Term("Name of the standardisation strata column (age bands).", _ANY_COLUMN, kinds=_COLUMN),
    "subgroup": Term("Name of the LABEL column across which disparity is compared (HEAT's word), e.g. "
                     "``\"omradestyp\"``; in decompose_change, follow_up and effect the area's type in each "
                     "period (follow_up, effect: None attaches SCB's official områdestyp).", _ANY_COLUMN,
                     "\"omradestyp\" (disparity); required (decompose_change); None (follow_up, effect)",
                     ("omradestyp", REQUIRED, None), _COLUMN),
    "to_vintage": Term("Code vintage converted to (crosswalks); required, None raises VintageError.",
                       "int | None", "required", (None, REQUIRED), (int,)),
    "total": Term("Name of the COUNT column of everyone per area (two-group segregation indices).", _ANY_COLUMN,
                  "required (segregation_test: None)", (REQUIRED, None), _COLUMN),
    "vintage": Term("DeSO/RegSO code vintage: 2018 (DeSO 2018 / RegSO 2020) or 2025 (DeSO 2025 / RegSO 2025). "
                    "None takes it from the data (``df.attrs['segstat.vintage']``) or raises VintageError "
                    "asking for it.", "int | None", "None", (None, REQUIRED), (int, dict)),
    "year": Term("Reference year as a VALUE (e.g. the områdestyp of 2023); a column of years is ``period``. "
                 "Where a bundled table holds one year, None means that year.",
                 "int | None", "required", (REQUIRED, 2023, None), (int,)),
    # ------------------------------------------------------------------ data and columns of one function
    "assistance_or_unemployment": Term("Column of the share with assistance or long unemployment (an indicator "
                                       "of the socioeconomic index).", _ANY_COLUMN, kinds=_COLUMN,
                                       functions=("socioeconomic_index",)),
    "codes": Term("Area codes (a list, array or Series).", "array-like",
                  functions=("Boundaries", "normalize_codes", "to_level")),
    "column": Term("Name of the column added.", "str | None", "None", (None,), _COLUMN,
                   functions=("attach_omradestyp",)),
    "counts": Term("Count columns carried over by a crosswalk (crosswalk, harmonize).", "str | list[str]",
                   functions=("crosswalk", "harmonize")),
    "data": Term("The input table (first, positional).", "pandas.DataFrame"),
    "highest": Term("Column of persons in the highest national income quintile.", _ANY_COLUMN, kinds=_COLUMN,
                    functions=("ojamlikhetsindex", "cli")),
    "ids": Term("Person or record identifiers to key.", "array-like", functions=("record_keys",)),
    "items": Term("The results a report shows: a mapping of title to result, or a sequence of results or "
                  "(title, result) pairs.", "Mapping | Sequence", functions=("report",)),
    "low_economic_standard": Term("Column of the share with low economic standard.", _ANY_COLUMN, kinds=_COLUMN,
                                  functions=("socioeconomic_index",)),
    "low_education": Term("Column of the share with low education.", _ANY_COLUMN, kinds=_COLUMN,
                          functions=("socioeconomic_index",)),
    "lowest": Term("Column of persons in the lowest national income quintile.", _ANY_COLUMN, kinds=_COLUMN,
                   functions=("ojamlikhetsindex", "cli")),
    "protected": Term("Protected output: ``ProtectedTables`` (or ``ProtectedRates``) to audit, the counts area "
                      "rates come from, or the rates a map marks as published or suppressed (``plot_map``).",
                      "ProtectedTables | ProtectedRates", "required (plot_map: None)", (REQUIRED, None),
                      functions=("audit", "area_rates", "plot_map")),
    "record_key": Term("Column of record keys for cell-key perturbation.", "str | None", "None", (None,), _COLUMN,
                       functions=("tabulate",)),
    "regso": Term("RegSO codes, or the name of their column.", "str | array-like", "required, or \"regso\"",
                  (REQUIRED, "regso"), functions=("attach_omradestyp", "omradestyp", "cli")),
    "result": Term("The output of locate() to summarise.", "DataFrame", functions=("locate_summary",)),
    "table": Term("The table worked on: a Table from tabulate() (perturb, random_round); in ``segstat.scb`` the "
                  "id of a Statistikdatabasen table, e.g. ``\"TAB6574\"``.", "Table | str",
                  functions=("perturb", "random_round", "get", "metadata")),
    "tables": Term("One or several tables from tabulate().", "Table | list[Table]", functions=("protect",)),
    "title": Term("Title of a report (its page and workbook) or of a barometer site.", "str",
                  functions=("report", "barometer")),
    "value": Term("Column to sum (a magnitude table); None counts persons.", "str | None", "None", (None,),
                  _COLUMN, functions=("tabulate", "cli")),
    "weights": Term("Weights: population per area (classify_areas) or of the crosswalk (crosswalk, harmonize).",
                    "Series | None", "None", (None,), functions=("classify_areas", "crosswalk", "harmonize", "cli")),
    "x": Term("Column of x (easting; longitude for geographic CRS).", _ANY_COLUMN, "\"x\"", ("x",), _COLUMN,
              functions=("locate", "cli")),
    "y": Term("Column of y (northing; latitude for geographic CRS).", _ANY_COLUMN, "\"y\"", ("y",), _COLUMN,
              functions=("locate", "cli")),
    # ------------------------------------------------------------------ options of one function
    "b": Term("Atkinson shape parameter, in (0, 1).", "float", "0.5", (0.5,), (float,), functions=("atkinson",)),
    "backoff": Term("Seconds between download retries, doubled each time.", "float", "1.0", (1.0,), (float,),
                    functions=("download_boundaries",)),
    "base": Term("Rounding base of random rounding.", "int", "3", (3,), (int,), functions=("random_round",)),
    "boundaries": Term("Polygons of the areas (from boundaries() or download_boundaries()): to place points in "
                       "(locate), to draw (segstat.targeting.plot_map).",
                       "Boundaries | None", "None (plot_map: required)", (None, REQUIRED),
                       functions=("locate", "plot_map")),
    "cache": Term("Download cache directory.", "path | None", "None", (None,), functions=("download_boundaries",)),
    "check_range": Term("Refuse indicator values outside their unit's range.", "bool", "True", (True,), (bool,),
                        functions=("socioeconomic_index",)),
    "chunk_size": Term("Rows per chunk; memory stays bounded.", "int", "2000000", (2_000_000,), (int,),
                       functions=("locate",)),
    "crs": Term("Coordinate reference system of the coordinates.", "str | int | pyproj.CRS", "\"EPSG:3006\"",
                ("EPSG:3006",), functions=("Boundaries", "locate", "cli")),
    "ddof": Term("Delta degrees of freedom of the standard deviation.", "int", "1", (1,), (int,),
                 functions=("classify_areas",)),
    "dominance": Term("Disclosure: (n, k) dominance rule.", "tuple[int, float] | None", "None", (None,),
                      functions=("protect",)),
    "end": Term("The later period compared (a value of ``period``).", "label", functions=("decompose_change",)),
    "exact": Term("Solve the intruder's LPs exactly for every hidden cell.", "bool", "False", (False,), (bool,),
                  functions=("audit",)),
    "favourable": Term("Whether a higher rate is better (decides the best-performing subgroup).", "bool", "False",
                       (False,), (bool,), functions=("disparity",)),
    "file": Term("Where to print the versions (default stdout).", "file | None", "None", (None,),
                 functions=("show_versions",)),
    "force": Term("Download again even if cached.", "bool", "False", (False,), (bool,),
                  functions=("download_boundaries",)),
    "fractional": Term("Allow fractional counts after a crosswalk.", "bool", "False", (False,), (bool,),
                       functions=("crosswalk",)),
    "hierarchies": Term("Area hierarchies of the table's dimensions.", "dict | None", "None", (None,),
                        functions=("tabulate",)),
    "index": Term("Which index: segregation_test's index name, or the index values of classify_areas.",
                  "str | None", "None (segregation_test)", (None, REQUIRED), values=_INDICES,
                  functions=("segregation_test", "classify_areas")),
    "keep": Term("Cells that must stay published (never secondary-suppressed): ``\"total\"``, "
                 "``\"margins\"``, a level name such as ``\"kommun\"``, a list of them, or a DataFrame of cells.",
                 "str | list[str] | DataFrame | None", "None", (None,), functions=("protect",)),
    "layer": Term("Layer of a GeoPackage to read.", "str | None", "None", (None,), functions=("boundaries",)),
    "max_cells": Term("Largest grid of the point-in-polygon index.", "int", "16777216", (1 << 24,), (int,),
                      functions=("Boundaries",)),
    "max_distance": Term("Snap points this many metres outside every polygon to the nearest; None for no "
                         "snapping.", "float | None", "None", (None,), functions=("locate", "cli")),
    "max_noise": Term("Largest absolute noise of cell-key perturbation (1 to 100).", "int", "2", (2,), (int,),
                      functions=("perturb",)),
    "noise_variance": Term("Variance V of cell-key noise on a count: the noise perturb adds to counts above "
                           "``max_noise`` (0 < V < max_noise²); in follow_up, the known variance on each row's "
                           "population figure, included in every interval (None: not known, left out).",
                           "float | None", "1.0 (perturb); None (follow_up)", (1.0, None), (float,),
                           functions=("perturb", "follow_up", "cli")),
    "max_rows": Term("Rows of a table shown on a report page; longer tables are summarised with a note (the "
                     "workbook has every row).", "int", "40", (40,), (int,), functions=("report", "cli")),
    "max_rounds": Term("Largest number of rounds of secondary suppression.", "int | None", "None", (None,),
                       functions=("protect",)),
    "measures": Term("Disparity measures to compute (a subset of ``segstat.measures.disparity.MEASURES``).",
                     "str | Sequence[str] | None", "None", (None,), functions=("disparity",)),
    "method": Term("The method of one function, its choices documented there: ``\"direct\"``/``\"indirect\"`` "
                   "(standardize), the suppression method (protect), the smoothing (smooth_rates: ``\"eb\"``, "
                   "``\"eb_local\"``, ``\"fay_herriot\"``).", "Literal[...]",
                   "\"direct\" (standardize); \"auto\" (protect); \"eb\" (smooth_rates)", ("direct", "auto", "eb"),
                   (str,), frozenset({"direct", "indirect", "auto", "cube", "lp", "greedy", "pruned", "eb", "eb_local",
                                      "fay_herriot"}),
                   functions=("standardize", "protect", "smooth_rates", "cli")),
    "note": Term("A paragraph shown under a report's title and first in its workbook's README.", "str | None",
                 "None", (None,), (str,), functions=("report",)),
    "null": Term("Null distribution of segregation_test: ``\"permutation\"`` (area and group totals kept) or "
                 "``\"binomial\"`` (area totals kept).", "Literal[\"permutation\", \"binomial\"]",
                 "\"permutation\"", ("permutation",), (str,), frozenset({"permutation", "binomial"}),
                 functions=("segregation_test",)),
    "p_percent": Term("Disclosure: p-percent rule.", "float | None", "None", (None,), functions=("protect", "cli")),
    "page_size": Term("Features per WFS request.", "int", "1000", (1000,), (int,),
                      functions=("download_boundaries",)),
    "partial": Term("Allow areas only partly covered by a crosswalk.", "bool", "False", (False,), (bool,),
                    functions=("crosswalk",)),
    "path": Term("A local boundary file to read instead of the bundled one.", "path | None", "None", (None,),
                 functions=("boundaries",)),
    "polygons": Term("Polygons of the areas.", "array of shapely geometries", functions=("Boundaries",)),
    "ptable": Term("Perturbation table of cell-key perturbation.", "DataFrame | None", "None", (None,),
                   functions=("perturb",)),
    "region": Term("Subset of the boundaries (kommun or län codes).", "Any", "None", (None,),
                   functions=("boundaries",)),
    "regression": Term("The regression model: of SII and RII on ridit rank (disparity); of the "
                       "difference-in-differences (effect: ``\"poisson\"`` rate ratio with the population as "
                       "exposure, ``\"linear\"`` population-weighted rate difference).",
                       "Literal[\"linear\", \"logistic\", \"poisson\"]", "\"linear\" (disparity); \"poisson\" (effect)",
                       ("linear", "poisson"), (str,), frozenset({"linear", "logistic", "poisson"}),
                       functions=("disparity", "effect", "cli")),
    "retries": Term("Download retries.", "int", "3", (3,), (int,), functions=("download_boundaries",)),
    "source": Term("Where the data come from: provenance text of boundaries (``Boundaries``), or "
                   "``\"bundled\"`` (the package's tables, offline) / ``\"scb\"`` (Statistikdatabasen) for "
                   "``population``.", "str", "population: \"bundled\"", (REQUIRED, "bundled"),
                   functions=("Boundaries", "population")),
    "sources": Term("Data sources named in a report's footer, besides those in the results' "
                    "``attrs[\"segstat.provenance\"]``.", "Sequence[str]", "()", ((),), (tuple, list),
                    functions=("report",)),
    "append": Term("Return the input with the new columns appended (keeps the input's other columns and the "
                   "vintage in ``attrs``) instead of the new columns alone.", "bool", "False", (False,), (bool,)),
    "standard": Term("Standard population (direct) or standard rates (indirect).", "str | Series | dict | None",
                     "None", (None,), functions=("standardize",)),
    "start": Term("A period where something starts (a value of ``period``): the earlier period compared "
                  "(decompose_change); the common first period of the effort (effect; None reads each area's "
                  "start from ``treated``).", "label", "required (decompose_change); None (effect)",
                  (REQUIRED, None), functions=("decompose_change", "effect", "cli")),
    "treated": Term("Name of the 0/1 column of the effort (effect): treated AREAS with ``start``, else each "
                    "area-period where the effort runs (staggered starts).", _ANY_COLUMN, kinds=_COLUMN,
                    functions=("effect", "cli")),
    "comparison": Term("Comparison areas of a difference-in-differences: ``\"same_type\"`` (not yet treated, "
                       "same baseline områdestyp), ``\"not_yet_treated\"``, ``\"never_treated\"``; never "
                       "areas already treated.", "Literal[\"same_type\", \"not_yet_treated\", \"never_treated\"]",
                       "\"same_type\"", ("same_type",), (str,),
                       frozenset({"same_type", "not_yet_treated", "never_treated"}), functions=("effect", "cli")),
    "types": Term("Which områdestyp an area has in each period of a follow-up: ``\"baseline\"`` (the type of "
                  "the ``baseline`` period, the same areas throughout) or ``\"yearly\"`` (each period's own).",
                  "Literal[\"baseline\", \"yearly\"]", "\"baseline\"", ("baseline",), (str,),
                  frozenset({"baseline", "yearly"}), functions=("follow_up", "cli")),
    "baseline": Term("The period whose områdestyp is kept (a value of ``period``, or a bundled year); None: the "
                     "first period with a type for every area.", "label | None", "None", (None,),
                     functions=("follow_up", "effect", "cli")),
    "covariates": Term("Columns of the fixed part of an area-level model (an intercept is always added; text or "
                       "categorical columns enter as indicators).", "str | list[str] | None", "None", (None,),
                       functions=("smooth_rates", "cli")),
    "neighbours": Term("Neighbours of each area for local smoothing: ``\"kommun\"``, ``\"queen\"``, ``\"rook\"`` "
                       "(bundled boundaries), a Boundaries object, or a table of (area, neighbour) pairs.",
                       "str | Boundaries | DataFrame | dict | None", "None", (None,),
                       functions=("smooth_rates", "cli")),
    "smoothed": Term("The result of smooth_rates (with its attrs).", "pandas.DataFrame",
                     functions=("rank_areas", "protect_rates", "plot_map")),
    "step": Term("Finest rounding step of published smoothed rates, in units of ``per``.", "float", "0.1", (0.1,),
                 (float,), functions=("protect_rates", "cli")),
    "transform": Term("Scale of the Fay–Herriot model: ``\"arcsine\"`` (asin √p of proportions) or ``\"log\"``.",
                      "Literal[\"arcsine\", \"log\"]", "\"arcsine\"", ("arcsine",), (str,),
                      frozenset({"arcsine", "log"}), functions=("smooth_rates", "cli")),
    "timeout": Term("Seconds before a download request gives up.", "float", "60.0", (60.0,), (float,),
                    functions=("download_boundaries",)),
    "top": Term("How many of the largest count: the largest contributors kept per cell (tabulate, for "
                "dominance rules); the k of \"the k areas with the highest rates\" (rank_areas).", "int",
                "2 (tabulate); 10 (rank_areas)", (2, 10), (int,), functions=("tabulate", "rank_areas", "cli")),
    "unit": Term("Unit of the socioeconomic indicators.", "Literal[\"percent\", \"proportion\"]",
                 "required (CLI: None)", (REQUIRED, None), (str,), frozenset({"percent", "proportion"}),
                 functions=("socioeconomic_index", "cli")),
    "url": Term("WFS address of SCB's boundaries.", "str", "SCB's geodata WFS",
                ("https://geodata.scb.se/geoserver/stat/wfs",), (str,), functions=("download_boundaries",)),
    "use_cell_key": Term("Round with the cell key (consistent across tables).", "bool", "True", (True,), (bool,),
                         functions=("random_round",)),
    "variance": Term("Disparity: sampling model of the events, ``\"poisson\"`` or ``\"binomial\"``.",
                     "Literal[\"poisson\", \"binomial\"] | None", "None", (None,), (str,),
                     frozenset({"poisson", "binomial"}), functions=("disparity",)),
    "zeros": Term("Disclosure: publish zero cells or protect them.", "Literal[\"publish\", \"protect\"]",
                  "\"publish\"", ("publish",), (str,), frozenset({"publish", "protect"}), functions=("protect",)),
    # ------------------------------------------------------------------ Statistikdatabasen (segstat.scb)
    "selection": Term("``segstat.scb.get``: the values to fetch per variable, ``{variable: codes}`` (codes as text, "
                      "or the service's ``\"*\"``, ``\"TOP(n)\"`` …); None: every value.", "dict | None", "None",
                      (None,), functions=("get",)),
    "codelist": Term("``segstat.scb.get``: a code list of the region variable (``\"vs_RegSO2025\"``) or "
                     "``{variable: codelist}``; None: chosen from ``level`` and ``vintage``.", "str | dict | None",
                     "None", (None,), functions=("get",)),
    "query": Term("Search words for Statistikdatabasen's tables.", "str | None", "None", (None,), (str,),
                  functions=("tables",)),
    "updated_since": Term("Only tables updated on or after this day.", "date | str | None", "None", (None,),
                          functions=("tables",)),
    "include_discontinued": Term("Also list tables SCB no longer updates.", "bool", "False", (False,), (bool,),
                                 functions=("tables",)),
    "refresh": Term("Ask the service again instead of reusing a cached answer.", "bool", "False", (False,),
                    (bool,)),
    "base_url": Term("Root of the PxWebApi 2 service; default ``$SEGSTAT_SCB_URL``, else SCB's.", "str | None",
                     "None", (None,), (str,)),
    "offline": Term("Answer from the cache only (default ``$SEGSTAT_OFFLINE``).", "bool | None", "None", (None,),
                    (bool,)),
    # ------------------------------------------------------------------ report items (segstat.publish)
    "kind": Term("Name of a kind of report item (``attrs[\"segstat.kind\"]``).", "str", functions=("register_kind",)),
    "builder": Term("Function building the report items of a kind.", "Callable", functions=("register_kind",)),
    # ------------------------------------------------------------------ the barometer (a static site)
    "data_source": Term("Source of the indicator, printed under every chart of the barometer.", "str | None",
                        "None", (None,), functions=("barometer",)),
    "denominator": Term("Who a rate counts, shown in its unit (\"per 1 000 invånare 16–64 år\").", "str | None",
                        "None", (None,), functions=("barometer",)),
    "indicator": Term("Name of the indicator the barometer shows.", "str | None", "None", (None,),
                      functions=("barometer",)),
    "population_table": Term("Frame of the population (persons at risk) by area and period.", "pandas.DataFrame",
                             functions=("area_rates",)),
    "regso_boundaries": Term("RegSO polygons for the barometer's maps (``Boundaries``).", "Boundaries | None",
                             "None", (None,), functions=("barometer",)),
    "results": Term("The barometer's input frames by name (panel, gap, areas, counts, segregation, effects).",
                    "Mapping[str, DataFrame]", functions=("barometer",)),
    "synthetic": Term("Label every page as synthetic data.", "bool", "False", (False,), (bool,),
                      functions=("barometer",)),
    # ------------------------------------------------------------------ the segstat command only
    "description": Term("TOML (or .yaml/.yml) file describing a barometer and naming its CSV files.", "path", cli_only=True),
    "decimal": Term("Decimal mark of the CSV (input and output).", "str", "',' with ';' separators, else '.'", (None,),
                    cli_only=True),
    "drop_unplaced": Term("Leave out (and count) rows without a value in a ``--by`` column before tabulating.",
                          "bool", "False", (False,), (bool,), cli_only=True),
    "encoding": Term("Encoding of the CSV.", "str", "UTF-8, else Windows-1252", (None,), cli_only=True),
    "indicators": Term("The three indicator columns, to compute types.", "3 x str", "None", (None,),
                       cli_only=True),
    "input": Term("Input file (CSV, Excel, Parquet; for ``segstat report`` its TOML or YAML description).", "path",
                  cli_only=True),
    "measure": Term("Which measure to compute.", "str", cli_only=True),
    "n": Term("Synthetic persons of the demo (``datasets.synthetic_register``: of the register).", "int",
              "100000 (demo); 200000 (synthetic_register)", (100_000, 200_000), (int,),
              functions=("cli", "synthetic_register")),
    "output": Term("Output file.", "path", cli_only=True),
    "quiet": Term("Print nothing but errors.", "bool", "False", (False,), (bool,), cli_only=True),
    "sep": Term("CSV separator.", "str", "',' or ';', detected", (None,), cli_only=True),
    "symbol": Term("Symbol printed for a suppressed cell.", "str", "\"..\"", ("..",), (str,), cli_only=True),
    "test": Term("Add the permutation test's p-value.", "bool", "False", (False,), (bool,), cli_only=True),
}


def render() -> str:
    """docs/api/glossary.rst, from :data:`GLOSSARY`."""
    lines = [
        "Glossary of keywords",
        "====================",
        "",
        ".. This page is generated from src/segstat/_glossary.py: python -m segstat._glossary > docs/api/glossary.rst",
        "",
        "Every keyword of segstat's public functions and of the ``segstat`` command (as ``--kebab-case``) has",
        "one meaning, given here once. ``tests/test_glossary.py`` checks every signature and CLI option",
        "against this list. Words whose meaning belongs to one function name it.",
        "",
    ]
    for key in sorted(GLOSSARY):
        t = GLOSSARY[key]
        where = ""
        if t.cli_only:
            where = " *(segstat command only)*"
        elif t.functions:
            where = " *(" + ", ".join(f for f in t.functions if f != "cli") + ")*"
        lines += [f"``{key}``{where}", f"    {t.meaning}", "", f"    Type: ``{t.type_text}``. Default: {t.default}.", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render(), end="")
