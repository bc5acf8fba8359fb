"""segstat: segregation-aware statistics for Swedish areas.

Place records in DeSO and RegSO, attach SCB's områdestyp, publish tables that
cannot be undone by differencing, and measure disparity and segregation with
confidence intervals.

The public functions are loaded on first use, so ``import segstat`` stays
light (no scipy, matplotlib, requests or optional extras are imported).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

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
    "classify_areas": "classify",
    "decompose_change": "classify",
    "omradestyp": "classify",
    "omradestyp_years": "classify",
    "socioeconomic_index": "classify",
    # disclosure control
    "audit": "disclosure.audit",
    "perturb": "disclosure.perturb",
    "protect": "disclosure.protect",
    "random_round": "disclosure.perturb",
    "record_keys": "disclosure.perturb",
    "tabulate": "disclosure.tabulate",
    # measures
    "atkinson": "measures.segregation",
    "disparity": "measures.disparity",
    "dissimilarity": "measures.segregation",
    "entropy": "measures.segregation",
    "exposure": "measures.segregation",
    "gini": "measures.segregation",
    "isolation": "measures.segregation",
    "multigroup_dissimilarity": "measures.segregation",
    "multigroup_entropy": "measures.segregation",
    "ojamlikhetsindex": "measures.segregation",
    "rates": "measures.rates",
    "segregation_test": "measures.segregation",
    "standardize": "measures.rates",
    "sweden_standard_population": "measures.rates",
}

_SUBMODULES = {"datasets", "errors", "geography", "classify", "disclosure", "measures", "cli", "report"}

__all__ = sorted([*_LAZY, "__version__", "errors", "datasets"])


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value  # cache: later lookups skip __getattr__
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'segstat' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # static type checkers and IDEs see the real names
    from ._versions import show_versions
    from .datasets import population
    from .geography.codes import normalize_codes
    from .geography.crosswalk import crosswalk
    from .geography.registry import areas, to_level
