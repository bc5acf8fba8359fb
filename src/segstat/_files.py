"""Writing a whole output folder so that readers never see half of it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["folder_in_place"]


@contextmanager
def folder_in_place(out: Path, prefix: str) -> Iterator[Path]:
    """A fresh folder next to ``out`` to build in; when the block ends without an error it replaces ``out``
    (an older folder of that name is removed first), otherwise it is removed and ``out`` is left as it was."""
    parent = out.parent if out.parent.exists() else None
    work = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    try:
        yield work
        if out.exists():
            shutil.rmtree(out)
        os.replace(work, out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
