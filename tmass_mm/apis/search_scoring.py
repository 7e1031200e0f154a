"""Ranking a gallery for a query: exact T-MASS scores (docs/method.md §6)
keyed by stable identities, optionally on a shortlist chosen by the cosine
of the text with each video's mean frame feature and widened to the videos
that might still enter the top hits."""
from typing import List, Tuple

import torch
from torch import Tensor
from torch.nn.functional import normalize

#: videos per T-MASS call: bounds the float32 copy of their frames
VIDEO_BLOCK = 4096
#: the lift's margin, in units of (largest - median) excess seen: the
#: largest excess of the few videos scored underestimates that of the many
#: left out (docs/search.md "Measurements")
LIFT_MARGIN = 0.5


def unit_mean_frames(frames: Tensor) -> Tensor:
    """``[V, F, D]`` frame features → ``[V, D]`` float32 unit mean frame
    feature, the shortlist stage's video embedding."""
    return normalize(frames.float().mean(dim=1), dim=-1)


def cheap_scores(text: Tensor, means: Tensor) -> Tensor:
    """``[V]`` float32 cosine of the text with each video's mean frame
    feature, the shortlist stage's score.

    Args:
        text: ``[D]`` text feature; means: ``[V, D]`` unit mean frame
            features (any float dtype).
    """
    return (means @ normalize(text.float(), dim=-1).to(means.dtype)).float()


def shortlist(cheap: Tensor, size: int) -> Tensor:
    """Gallery rows of the ``size`` videos with the best cheap score.

    Args:
        cheap: ``[V]`` from :func:`cheap_scores`.

    Returns:
        ``[min(size, V)]`` int64 rows, ascending.
    """
    rows = cheap.topk(min(size, len(cheap))).indices
    return rows.sort().values


def rows_that_may_enter(cheap: Tensor, rows: Tensor, scores: Tensor,
                        k: int) -> Tensor:
    """Rows not scored yet whose exact score might reach the top ``k``.

    The exact score of a video is taken to exceed its cheap score by at
    most the "lift": the largest excess (exact - cheap score) seen on the
    videos scored so far, plus ``LIFT_MARGIN`` times its distance to the
    median excess; a video can then enter the top ``k`` only if its cheap
    score plus the lift reaches the ``k``-th best exact score so far. The
    lift is an estimate, not a bound: it held for the queries measured in
    docs/search.md, not necessarily for every gallery.

    Args:
        cheap: ``[V]`` cheap scores of the whole gallery.
        rows: ``[N]`` rows scored exactly; scores: ``[N]`` their scores.
        k: the hits asked for.

    Returns:
        ``[C]`` int64 rows, best cheap score first.
    """
    excess = scores - cheap[rows]
    largest = excess.max()
    lift = largest + LIFT_MARGIN * (largest - excess.median())
    kth = scores.topk(min(k, len(scores))).values[-1]
    may_enter = cheap >= kth - lift
    may_enter[rows] = False
    found = may_enter.nonzero()[:, 0]
    return found[cheap[found].argsort(descending=True, stable=True)]


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
