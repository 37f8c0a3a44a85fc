"""Vectorised pieces of :mod:`assistant.suggest.scoring`: one query scores every candidate page at once.

Each function does the float operations the per-page code did, element by element and in the same order, so a
vectorised score is the same float as the scalar one was.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray


def scaled_array(arr: NDArray[np.float64]) -> NDArray[np.float64]:
    """``(x - median) / (max - median)`` clipped to [0, 1] of a non-empty array (all 0 when nothing stands out)."""
    mid, top = float(np.median(arr)), float(arr.max())
    if top - mid <= 1e-12:
        return np.zeros(len(arr), dtype=np.float64)
    return np.clip((arr - mid) / (top - mid), 0.0, 1.0)


def positions(urls: list[str], pos: dict[str, int]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """(positions in ``urls``, positions in ``pos``) of the URLs ``pos`` holds."""
    found = np.fromiter((pos.get(u, -1) for u in urls), dtype=np.int64, count=len(urls))
    mine = np.flatnonzero(found >= 0)
    return mine, found[mine]


def blend(urls: list[str], views: list[tuple[dict[str, int], NDArray[Any]]]) -> NDArray[np.float64]:
    """For each of ``urls``: the mean, over the views that hold it, of the view's value scaled (``scaled_array``)
    over the URLs the view holds; 0 for a URL no view holds. A view is (URL -> position, values by position)."""
    sums, counts = np.zeros(len(urls)), np.zeros(len(urls))
    for pos, values in views:
        mine, theirs = positions(urls, pos)
        if len(mine):
            sums[mine] += scaled_array(values[theirs].astype(np.float64))
            counts[mine] += 1
    return np.divide(sums, counts, out=np.zeros(len(urls)), where=counts > 0)


def scaled(values: dict[str, float]) -> dict[str, float]:
    """``(x - median) / (max - median)`` clipped to [0, 1] (all 0 when nothing stands out)."""
    if not values:
        return {}
    return dict(zip(values, scaled_array(np.array(list(values.values()), dtype=np.float64)).tolist(), strict=True))
