"""The steps of the evaluation chain: scoring in video blocks shared among
ranks, and metrics from scores.

:class:`~tmass_mm.evaluation.retrieval_evaluation.RetrievalEvaluation`
runs them in order for ``RetrievalMetric`` and for the cached-embedding
tools alike.
"""
from typing import Callable, Dict, Optional

import torch
from mmengine import dist
from torch import Tensor

from tmass_mm.utils.choices import check_choice
from .functional import (dual_softmax, querybank_normalise, rank_metrics,
                         text_to_video_ranks, video_to_text_ranks)

PROTOCOLS = ('tmass', 'official')
POST_PROCESSES = ('none', 'dsl', 'qbnorm')

# Scorer: (text [T, D], video [V, F, D], pool_text_index [V] or None,
#          seed, video_offset) -> scores [T, V]; video_offset is the gallery
#          index of video[0], so scoring in parts draws the noise of one call.
Scorer = Callable[[Tensor, Tensor, Optional[Tensor], int, int], Tensor]


def first_caption_of_each_video(text_to_video: Tensor,
                                num_videos: int) -> Tensor:
    """``[V]`` index of the first caption of every video (protocol
    ``official`` pools each candidate on it)."""
    first = torch.full((num_videos, ), len(text_to_video), dtype=torch.long)
    first.scatter_reduce_(
        0,
        text_to_video.long(),
        torch.arange(len(text_to_video)),
        reduce='amin')
    if (first == len(text_to_video)).any():
        missing = int((first == len(text_to_video)).nonzero()[0])
        raise ValueError(f'video {missing} has no caption')
    return first


def score_in_video_blocks(scorer: Scorer,
                          text: Tensor,
                          video: Tensor,
                          pool_text_index: Optional[Tensor],
                          seed: int,
                          block_size: int = 128) -> Tensor:
    """``[T, V]`` scores, the videos split into blocks shared among ranks.

    Block ``b`` (videos ``b*block_size`` onwards) is scored by rank
    ``b % world_size``; the scorer is told where the block starts, so the
    noise, and the result, do not depend on the block size or the number of
    processes. Every rank returns all scores.
    """
    rank, world_size = dist.get_rank(), dist.get_world_size()
    num_videos = video.shape[0]
    mine = {}
    for block, start in enumerate(range(0, num_videos, block_size)):
        if block % world_size != rank:
            continue
        stop = start + block_size
        pool = None if pool_text_index is None else \
            pool_text_index[start:stop]
        mine[start] = scorer(text, video[start:stop], pool, seed,
                             start).float().cpu()
    if world_size > 1:
        gathered = dist.all_gather_object(mine)
        mine = {k: v for part in gathered for k, v in part.items()}
    return torch.cat([mine[start] for start in sorted(mine)], dim=1)


def metrics_from_scores(sims: Tensor,
                        text_to_video: Tensor,
                        post_process: str = 'none',
                        querybank_sims: Optional[Tensor] = None,
                        **post_kwargs) -> Dict[str, Dict[str, float]]:
    """Text→video and video→text metrics from ``[T, V]`` scores.

    Args:
        sims: ``[T, V]`` scores (text rows, video columns).
        text_to_video: ``[T]`` ground-truth video of each text.
        post_process: ``'none'``, ``'dsl'`` (dual softmax, over texts for
            t2v and over videos for v2t) or ``'qbnorm'`` (querybank
            normalisation of the t2v scores; v2t is left as it is).
        querybank_sims: ``[Q, V]`` querybank scores, for ``'qbnorm'``.
        post_kwargs: passed to the post-processing function.

    Returns:
        ``{'t2v': {R1, R5, R10, R50, MdR, MnR}, 'v2t': {...}}``.
    """
    check_choice('post_process', post_process, POST_PROCESSES)
    t2v_sims = v2t_sims = sims.float()
    if post_process == 'dsl':
        t2v_sims = dual_softmax(sims, dim=0, **post_kwargs)
        v2t_sims = dual_softmax(sims, dim=1, **post_kwargs)
    elif post_process == 'qbnorm':
        if querybank_sims is None:
            raise ValueError("post_process='qbnorm' needs querybank scores")
        t2v_sims = querybank_normalise(sims, querybank_sims, **post_kwargs)
    return dict(
        t2v=rank_metrics(text_to_video_ranks(t2v_sims, text_to_video)),
        v2t=rank_metrics(video_to_text_ranks(v2t_sims, text_to_video)))
