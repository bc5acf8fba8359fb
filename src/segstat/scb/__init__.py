"""Current official data from SCB's Statistikdatabasen (PxWebApi 2), vintage-aware.

``segstat.scb.get("TAB6574", level="regso", vintage=2025)`` fetches a whole
table within the service's limits (cells per request, calls per time window),
returns it tidy with segstat's area codes and records its vintage and
provenance (notes, cell-key perturbation) on the result. Answers are cached
under ``$SEGSTAT_DATA_DIR/scb`` and can be served offline
(``SEGSTAT_OFFLINE=1``). ``requests`` is imported on the first request only.
"""

from __future__ import annotations

from ._api import CKM_CAVEAT, TableMetadata, get, metadata, tables
from ._client import DEFAULT_URL
from ._population import omradestyp, population

__all__ = ["CKM_CAVEAT", "DEFAULT_URL", "TableMetadata", "get", "metadata", "omradestyp", "population", "tables"]
