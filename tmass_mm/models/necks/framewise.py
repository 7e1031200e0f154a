"""The per-frame interface a neck offers the fast all-pairs scorer.

A neck ``neck(text [T, D], video [V, F, D]) -> [V, T, D]`` pools the frames
of each video for each text. Scoring every text against every video of a
gallery with that forward costs ``T * V`` full neck passes; a neck that can
split its work into per-video statistics (computed once per video) and a
cheap per-pair combination offers that split through
``neck.framewise(video)``, which returns an object following
:class:`FramewisePooler`. :func:`~tmass_mm.models.heads.score_all_pairs`
uses nothing else of the neck, so any neck implementing this works with it.
"""
from typing import Protocol

from torch import Tensor


class FramewisePooler(Protocol):
    """Per-video statistics of ``V`` videos that pool any block of pairs.

    The scorer calls these in float32 with autocast disabled; the results
    must equal the neck's forward in eval mode (no dropout) up to float
    rounding.
    """

    def queries(self, text: Tensor) -> Tensor:
        """Per-text state, ``[T, ...]``: row ``i`` belongs to text ``i``
        (the scorer selects rows with slices and index tensors)."""

    def pool(self,
             queries: Tensor,
             videos: slice,
             unit: bool = False) -> Tensor:
        """``p(v | t)`` of every query row with every video of ``videos``
        (a slice of ``[0, V)``): ``[Vc, Tc, D]``, each vector divided by its
        norm when ``unit``."""

    def pool_matched(self,
                     queries: Tensor,
                     videos: slice,
                     unit: bool = False) -> Tensor:
        """``p(v_i | t_i)`` of query row ``i`` with the ``i``-th video of
        ``videos`` only: ``[Vc, D]``."""
