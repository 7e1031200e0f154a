"""Any neck's own forward in the shape of the per-frame interface
(``framewise.py``), for scoring few texts against many videos.

Per-video statistics pay for work done once per video; when each video is
scored against only a few texts (a search query against a shortlist), the
neck's forward on each block of pairs costs less. The fast all-pairs scorer
chooses between the two with :func:`pairwise_is_cheaper`.
"""
from contextlib import contextmanager

from torch import Tensor
from torch.nn.functional import normalize


def pairwise_is_cheaper(num_texts: int, num_frames: int) -> bool:
    """Whether ``num_texts`` texts pool each video more cheaply through the
    neck's forward than through per-video statistics: when there are fewer
    texts than frames. For X-Pool a pair costs three ``D x D`` products
    (its forward works text first) and a video's statistics about ``4 F``
    of them, so this errs on the side of the statistics."""
    return num_texts < num_frames


class PairwisePooler:
    """Pools blocks of pairs with ``neck(text, video)`` in eval mode (a
    :class:`~tmass_mm.models.necks.framewise.FramewisePooler`).

    Args:
        neck: any neck ``neck(text [T, D], video [V, F, D], all_pairs)``.
        video: ``[V, F, D]`` frame features (any float dtype).
    """

    def __init__(self, neck, video: Tensor):
        self.neck = neck
        self.video = video

    def queries(self, text: Tensor) -> Tensor:
        """``[T, D]`` texts, float32: the neck takes them as they are."""
        return text.float()

    def pool(self,
             queries: Tensor,
             videos: slice,
             unit: bool = False) -> Tensor:
        """``[Vc, Tc, D]``: every query with every video of ``videos``."""
        with _eval_mode(self.neck):
            pooled = self.neck(queries, self.video[videos].float()).float()
        return normalize(pooled, dim=-1) if unit else pooled

    def pool_matched(self,
                     queries: Tensor,
                     videos: slice,
                     unit: bool = False) -> Tensor:
        """``[Vc, D]``: query ``i`` with the ``i``-th video of ``videos``."""
        with _eval_mode(self.neck):
            pooled = self.neck(
                queries, self.video[videos].float(), all_pairs=False).float()
        return normalize(pooled, dim=-1) if unit else pooled


@contextmanager
def _eval_mode(module):
    """Run ``module`` without dropout, restoring its mode afterwards."""
    training = module.training
    module.eval()
    try:
        yield
    finally:
        module.train(training)
