"""Run a per-partition function over a Dask DataFrame with one large object shipped to the workers once.

The adapter knows nothing of locate(): locate() hands it the function that places one partition and the
frame the result will look like, so the dependency runs one way (locate -> this module).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .._optional import import_optional


def _ship(dask: Any, obj: Any) -> Any:
    """``obj`` for every partition, sent once: scattered to all workers when a distributed client is running
    (so it does not travel inside the task graph), else one delayed task the local scheduler shares."""
    try:
        from distributed import get_client

        client = get_client()
    except (ImportError, ValueError):
        return dask.delayed(obj, pure=True)
    return client.scatter(obj, broadcast=True)


def map_partitions_shipped(data: Any, partition: Callable[..., pd.DataFrame], shipped: Any, *args: Any,
                           meta: pd.DataFrame, purpose: str) -> Any:
    """``data.map_partitions(partition, shipped, *args)`` with ``shipped`` sent to the workers once."""
    dask = import_optional("dask", purpose=purpose)
    return data.map_partitions(partition, _ship(dask, shipped), *args, meta=meta)
