"""segstat: segregation-aware statistics for Swedish areas.

Place records in DeSO and RegSO, attach SCB's områdestyp, publish tables that
cannot be undone by differencing, and measure disparity and segregation with
confidence intervals.

The public functions are loaded on first use, so ``import segstat`` stays
light (no scipy, matplotlib, requests or optional extras are imported).
"""

import importlib as _importlib
import typing as _typing

from ._version import __version__ as __version__

# public name -> module (relative to segstat) that defines it.
# Keep each block sorted; one block per concern.
_LAZY: dict[str, str] = {
    # foundation: codes, registry, crosswalks, bundled data
    "areas": "geography.registry",
    "crosswalk": "geography.crosswalk",
    "normalize_codes": "geography.codes",
    "population": "datasets",
    "show_versions": "_versions",
    "to_level": "geography.registry",
    # locate: boundaries and point-in-polygon
    "Boundaries": "geography.boundaries",
    "boundaries": "geography.boundaries",
    "download_boundaries": "geography.download",
    "locate": "geography.locate",
    "locate_summary": "geography.locate",
    # classify: områdestyp and the socioeconomic index
    "attach_omradestyp": "classify",
    "classify_areas": "socioeconomic",
    "decompose_change": "measures.change",
    "omradestyp": "classify",
    "omradestyp_years": "classify",
    "socioeconomic_index": "socioeconomic",
    # follow-up over time
    "effect": "followup.effect",
    "follow_up": "followup.panel",
    "harmonize": "followup.harmonize",
    # disclosure control
    "audit": "disclosure.audit",
    "perturb": "disclosure.perturb",
    "protect": "disclosure.protect",
    "random_round": "disclosure.perturb",
    "record_keys": "disclosure.perturb",
    "tabulate": "disclosure.tabulate",
    # the barometer (a static site)
    "area_rates": "barometer",
    "barometer": "barometer",
    # measures
    "atkinson": "measures.segregation",
    "disparity": "measures.disparity",
    "dissimilarity": "measures.segregation",
    "entropy": "measures.segregation",
    "exposure": "measures.segregation",
    "gini": "measures.segregation",
    "isolation": "measures.segregation",
    "multigroup_dissimilarity": "measures.multigroup",
    "multigroup_entropy": "measures.multigroup",
    "ojamlikhetsindex": "measures.segregation",
    "rates": "measures.rates",
    "segregation_test": "measures.inference",
    "standardize": "measures.rates",
    "sweden_standard_population": "measures.rates",
    # publishing
    "report": "publish.report",
    # targeting: smoothed rates, ranks, safe publication
    "protect_rates": "targeting.publish",
    "rank_areas": "targeting.rank",
    "smooth_rates": "targeting.smooth",
}

_SUBMODULES = {"classify", "cli", "datasets", "demo", "disclosure", "errors", "followup", "geography", "measures",
               "publish", "scb", "socioeconomic", "targeting"}

__all__ = sorted([*_LAZY, "__version__", "errors", "datasets"])


def __getattr__(name: str) -> object:
    if name in _LAZY:
        module = _importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value  # cache: later lookups skip __getattr__
        return value
    if name in _SUBMODULES:
        return _importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'segstat' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public names and the subpackages (no helpers of this module)."""
    return sorted(set(__all__) | _SUBMODULES)


if _typing.TYPE_CHECKING:  # static type checkers and IDEs see the real names; tests/test_package.py checks
    # that this block and _LAZY name the same objects
    from . import datasets as datasets, errors as errors
    from ._versions import show_versions as show_versions
    from .barometer import area_rates as area_rates, barometer as barometer
    from .measures.change import decompose_change as decompose_change
    from .classify import (
        attach_omradestyp as attach_omradestyp, omradestyp as omradestyp, omradestyp_years as omradestyp_years,
    )
    from .datasets import population as population
    from .disclosure.audit import audit as audit
    from .disclosure.perturb import perturb as perturb, random_round as random_round, record_keys as record_keys
    from .disclosure.protect import protect as protect
    from .disclosure.tabulate import tabulate as tabulate
    from .followup.effect import effect as effect
    from .followup.harmonize import harmonize as harmonize
    from .followup.panel import follow_up as follow_up
    from .geography.boundaries import Boundaries as Boundaries, boundaries as boundaries
    from .geography.codes import normalize_codes as normalize_codes
    from .geography.crosswalk import crosswalk as crosswalk
    from .geography.download import download_boundaries as download_boundaries
    from .geography.locate import locate as locate, locate_summary as locate_summary
    from .geography.registry import areas as areas, to_level as to_level
    from .measures.disparity import disparity as disparity
    from .measures.rates import (
        rates as rates, standardize as standardize, sweden_standard_population as sweden_standard_population,
    )
    from .measures.inference import segregation_test as segregation_test
    from .measures.multigroup import (
        multigroup_dissimilarity as multigroup_dissimilarity, multigroup_entropy as multigroup_entropy,
    )
    from .measures.segregation import (
        atkinson as atkinson, dissimilarity as dissimilarity, entropy as entropy, exposure as exposure, gini as gini,
        isolation as isolation, ojamlikhetsindex as ojamlikhetsindex,
    )
    from .publish.report import report as report
    from .targeting.publish import protect_rates as protect_rates
    from .targeting.rank import rank_areas as rank_areas
    from .targeting.smooth import smooth_rates as smooth_rates
    from .socioeconomic import classify_areas as classify_areas, socioeconomic_index as socioeconomic_index
