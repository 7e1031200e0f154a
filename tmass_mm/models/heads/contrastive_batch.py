"""The matched pairs of a training step as one process sees them, and the
batch reductions of the T-MASS losses (docs/method.md §5).

One process: its ``B`` pairs are the whole batch. Distributed (``W`` ranks,
gathering on): each rank holds ``b`` of the ``B`` global pairs, starting at
global row ``start``. It gathers the text and frame features of every rank
(with gradients, ``tmass_mm/utils/dist_gather.py``) and computes the rows of
the global ``[B, B]`` similarity matrix that belong to its own texts
(text→video) and the columns that belong to its own videos (video→text), so
every softmax runs over the whole global batch. Its loss is its share of the
global loss times ``W``: the shares sum to ``W`` times the global loss, the
gathers send each rank's gradients back to the features' owners, and DDP's
average over ranks then yields exactly the gradient of one process on the
global batch.
"""
from typing import Tuple

import torch
from torch import Tensor
from torch.nn.functional import cross_entropy, normalize

from tmass_mm.utils.dist_gather import (distributed_world_size,
                                        gather_row_counts, gather_with_grad)


def pooled_cosine(text: Tensor, pooled: Tensor) -> Tensor:
    """``s[i, j] = cos(text[i], pooled[j, i])``.

    Args:
        text: ``[Bt, D]``, one (possibly stochastic) text per row.
        pooled: ``[Bv(videos), Bt(texts), D]`` from the neck.

    Returns:
        ``[Bt(texts), Bv(videos)]`` float32.
    """
    text = normalize(text.float(), dim=-1)
    pooled = normalize(pooled.float(), dim=-1)
    return torch.einsum('td,vtd->tv', text, pooled)


class ContrastiveBatch:
    """This process's pairs of the global batch (text ``i`` ↔ video ``i``).

    Args:
        text: ``[b, D]`` local text features.
        video: ``[b, F, D]`` local frame features.
        gather (bool): use the other ranks' pairs as negatives when a process
            group with more than one rank exists.

    Attributes: ``world`` (ranks taking part, 1 without gathering),
    ``start`` (global row of local pair 0), ``total`` (``B``).
    """

    def __init__(self, text: Tensor, video: Tensor, gather: bool):
        self.text, self.video = text, video
        self.world = distributed_world_size() if gather else 1
        self.start, self.total = 0, len(text)
        if self.world > 1:
            self.counts = gather_row_counts(len(text), text.device)
            rank = torch.distributed.get_rank()
            self.start, self.total = sum(self.counts[:rank]), sum(self.counts)

    def gather(self, rows: Tensor) -> Tensor:
        """``[b, ...]`` local rows → ``[B, ...]`` global rows."""
        if self.world == 1:
            return rows
        return gather_with_grad(rows, self.counts)

    def pool(self, neck) -> Tuple[Tensor, Tensor]:
        """Pooled videos for the local rows and columns.

        Returns:
            ``[B(videos), b(texts), D]`` (every video for each local text)
            and ``[b(videos), B(texts), D]`` (each local video for every
            text); one process: the same ``[B, B, D]`` tensor twice.
        """
        if self.world == 1:
            pooled = neck(self.text, self.video)
            return pooled, pooled
        return (neck(self.text, self.gather(self.video)),
                neck(self.gather(self.text), self.video))

    def mean(self, values: Tensor) -> Tensor:
        """This rank's share of the global batch mean of per-pair
        ``values`` ``[b]``, times ``world`` (see the module docstring)."""
        return values.sum() * (self.world / self.total)

    def symmetric_cross_entropy(self, logit_scale: Tensor, query: Tensor,
                                pooled_t2v: Tensor,
                                pooled_v2t: Tensor) -> Tensor:
        """Mean of text→video and video→text cross entropy of
        ``scale * cos(query_i, p(v_j | t_i))``, the match of text ``i``
        being video ``i``.

        Args:
            logit_scale: the inverse temperature (already exponentiated).
            query: ``[b, D]`` the local texts (points, samples or support
                texts), one per local text.
            pooled_t2v, pooled_v2t: from :meth:`pool`.
        """
        target = torch.arange(len(query), device=query.device) + self.start
        text_to_video = logit_scale * pooled_cosine(query, pooled_t2v)
        video_to_text = logit_scale * pooled_cosine(
            self.gather(query), pooled_v2t).T
        per_pair = (
            cross_entropy(text_to_video, target, reduction='none') +
            cross_entropy(video_to_text, target, reduction='none'))
        return self.mean(per_pair) / 2
