"""Ranking a gallery for a query: exact T-MASS scores (docs/method.md §6)
keyed by stable identities, optionally on a shortlist chosen by the cosine
of the text with each video's mean frame feature."""
from typing import List, Tuple

import torch
from torch import Tensor
from torch.nn.functional import normalize

#: videos per T-MASS call: bounds the float32 copy of their frames
VIDEO_BLOCK = 4096


def unit_mean_frames(frames: Tensor) -> Tensor:
    """``[V, F, D]`` frame features → ``[V, D]`` float32 unit mean frame
    feature, the shortlist stage's video embedding."""
    return normalize(frames.float().mean(dim=1), dim=-1)


def shortlist(text: Tensor, means: Tensor, size: int) -> Tensor:
    """Gallery rows of the ``size`` videos whose mean frame feature is
    closest (cosine) to the text.

    Args:
        text: ``[D]`` text feature; means: ``[V, D]`` unit mean frame
            features (any float dtype).

    Returns:
        ``[min(size, V)]`` int64 rows, ascending.
    """
    sims = means @ normalize(text.float(), dim=-1).to(means.dtype)
    rows = sims.float().topk(min(size, len(sims))).indices
    return rows.sort().values


@torch.no_grad()
def tmass_scores(model, text: Tensor, frames: Tensor, text_keys: Tensor,
                 video_keys: Tensor, seed: int) -> Tensor:
    """``[T, V]`` T-MASS scores with the head's ``num_trials``.

    The noise of a pair depends only on ``seed`` and its two keys, so a
    pair scores the same whatever else is scored with it.

    Args:
        model: a ``TMASSRetriever``.
        text: ``[T, D]``; frames: ``[V, F, D]`` (any float dtype).
        text_keys, video_keys: ``[T]``, ``[V]`` int64 stable identities.
        seed: the noise seed.
    """
    device = next(model.parameters()).device
    blocks = []
    for v0 in range(0, len(frames), VIDEO_BLOCK):
        part = slice(v0, v0 + VIDEO_BLOCK)
        blocks.append(
            model.head.predict_scores(
                text.to(device).float(),
                frames[part].to(device).float(),
                model.neck,
                seed=seed,
                text_keys=text_keys.to(device),
                video_keys=video_keys[part].to(device)).cpu())
    return torch.cat(blocks, dim=1)


def top_hits(scores: Tensor, rows: Tensor,
             topk: int) -> List[Tuple[int, float]]:
    """The ``topk`` best ``(row, score)``, best first; equal scores keep
    gallery order (``rows`` must be ascending).

    Args:
        scores: ``[N]``; rows: ``[N]`` gallery rows of the scores.
    """
    order = torch.sort(scores, descending=True, stable=True).indices[:topk]
    return [(int(rows[i]), float(scores[i])) for i in order]
