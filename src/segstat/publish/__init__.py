"""Publishing one's own results: :func:`report` writes an HTML page, an Excel workbook and figures.

Swedish by default (``lang="sv"``), English on request. The item protocol that lets other result types join a
report is in :mod:`segstat.publish.items`; the charts and maps in :mod:`segstat.publish.figures`.
"""

from .items import Item, register_kind
from .report import ReportFiles, report

__all__ = ["Item", "ReportFiles", "register_kind", "report"]
