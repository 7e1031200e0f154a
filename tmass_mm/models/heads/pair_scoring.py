"""All-pairs T-MASS inference scores (SPEC §6), chunked.

``score(t, v) = max_m cos(t + eps_m * R(t, v), p(v | t))`` with fresh noise
for every text, video and trial. Candidates are processed in blocks of
``video_chunk`` videos × ``text_chunk`` texts, so memory is bounded by one
block's ``[Vc, Tc, D]`` tensors whatever the gallery size.
"""
from typing import Optional

import torch
from torch import Tensor
from torch.nn.functional import normalize


@torch.no_grad()
def score_all_pairs(text: Tensor,
                    video: Tensor,
                    neck,
                    sampler,
                    num_trials: int,
                    generator: Optional[torch.Generator] = None,
                    pool_text_index: Optional[Tensor] = None,
                    text_chunk: int = 256,
                    video_chunk: int = 32) -> Tensor:
    """Scores of every text against every video.

    Args:
        text: ``[T, D]`` text features.
        video: ``[V, F, D]`` frame features.
        neck: the X-Pool neck, ``neck(text, video) -> [V, T, D]``.
        sampler: the ``StochasticTextSampler`` (radius and prior).
        num_trials: ``M``, stochastic texts per pair (best one kept).
        generator: random generator on the features' device.
        pool_text_index: ``[V]`` index of each video's ground-truth caption.
            When given (protocol ``official``), the trial is chosen against
            ``p(v | t)`` as usual but the returned score is its cosine with
            ``p(v | t_gt(v))``, as the public T-MASS evaluation computes.
        text_chunk, video_chunk: block sizes.

    Returns:
        ``[T, V]`` float32 scores.
    """
    if num_trials < 1:
        raise ValueError(f'num_trials must be >= 1, got {num_trials}')
    num_texts, num_videos = text.shape[0], video.shape[0]
    scores = text.new_empty((num_texts, num_videos), dtype=torch.float32)
    for v0 in range(0, num_videos, video_chunk):
        videos = video[v0:v0 + video_chunk]
        gt_pooled = None
        if pool_text_index is not None:
            gt_text = text[pool_text_index[v0:v0 + video_chunk]]
            gt_pooled = normalize(neck(gt_text, videos, all_pairs=False)
                                  .float(), dim=-1)[:, None]  # [Vc, 1, D]
        for t0 in range(0, num_texts, text_chunk):
            texts = text[t0:t0 + text_chunk]
            block = _score_block(texts, videos, neck, sampler, num_trials,
                                 generator, gt_pooled)
            scores[t0:t0 + text_chunk, v0:v0 + video_chunk] = block.T
    return scores


def _score_block(texts: Tensor, videos: Tensor, neck, sampler,
                 num_trials: int, generator, gt_pooled) -> Tensor:
    """``[Vc, Tc]`` best-of-M scores for one block of videos × texts."""
    pooled = normalize(neck(texts, videos).float(), dim=-1)  # [Vc, Tc, D]
    radius = sampler.radius(texts, videos)  # [Vc, Tc, D]
    best = torch.full(pooled.shape[:2], -torch.inf, device=pooled.device)
    reported = best.clone()
    for _ in range(num_trials):
        eps = sampler.noise(radius.shape, radius.device, generator)
        sample = normalize(texts.float() + eps * radius, dim=-1)
        sim = (sample * pooled).sum(-1)
        better = sim > best
        best = torch.where(better, sim, best)
        if gt_pooled is not None:
            sim = (sample * gt_pooled).sum(-1)
        reported = torch.where(better, sim, reported)
    return reported
