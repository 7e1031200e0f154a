"""Ranks of ground-truth items in a text-video similarity matrix.

Conventions shared by every function here:

* ``sims`` is ``[T, V]``: row ``t`` is text query ``t``, column ``v`` is
  gallery video ``v``; higher means more similar.
* ``text_to_video`` is ``[T]``: the gallery index of each text's video. A
  video may have any number of captions (multi-caption sets), and the
  ground truth is read from these ids, never from the diagonal.
* Ranks are 1-based and ties are counted pessimistically: the ground truth
  is placed after every other candidate that scores at least as high, so a
  constant score matrix cannot report perfect retrieval.
"""
import numpy as np
import torch
from torch import Tensor

#: Rows handled at once; bounds the ``[chunk, V]`` temporaries.
DEFAULT_CHUNK_SIZE = 1024


def _as_float(sims: Tensor) -> Tensor:
    """Upcast half, bfloat16 or integer scores to float32; keep float64."""
    return sims.to(torch.promote_types(sims.dtype, torch.float32))


def _check_inputs(sims: Tensor, text_to_video: Tensor) -> None:
    """Raise ``ValueError`` unless ``sims`` is ``[T, V]`` and
    ``text_to_video`` is ``[T]`` of integer ids in ``[0, V)``."""
    if sims.dim() != 2:
        raise ValueError(f'sims must be [T, V], got shape {tuple(sims.shape)}')
    if text_to_video.dim() != 1 or len(text_to_video) != sims.shape[0]:
        raise ValueError(
            f'text_to_video must be [T] with T = sims.shape[0]; got '
            f'text_to_video {tuple(text_to_video.shape)} for sims '
            f'{tuple(sims.shape)}')
    if text_to_video.dtype.is_floating_point or text_to_video.is_complex():
        raise ValueError('text_to_video must hold integer video indices, '
                         f'got dtype {text_to_video.dtype}')
    num_videos = sims.shape[1]
    if len(text_to_video) and (text_to_video.min() < 0
                               or text_to_video.max() >= num_videos):
        raise ValueError(
            f'text_to_video must lie in [0, {num_videos}) for sims '
            f'{tuple(sims.shape)}, got values in '
            f'[{int(text_to_video.min())}, {int(text_to_video.max())}]')
    if torch.isnan(sims).any():
        raise ValueError('sims contains NaN; ranks would be meaningless')


def _pessimistic_ranks(scores: Tensor, gt_scores: Tensor) -> Tensor:
    """1 + number of other candidates scoring at least the ground truth.

    Args:
        scores: ``[N, C]`` candidate scores per query, the ground truth
            among them.
        gt_scores: ``[N]`` the ground-truth candidate's score per query.

    Returns:
        LongTensor ``[N]``; the ``>=`` count includes the ground truth
        itself, which stands in for the ``1 +``.
    """
    return (scores >= gt_scores.unsqueeze(1)).sum(dim=1)


def text_to_video_ranks(sims: Tensor,
                        text_to_video: Tensor,
                        *,
                        chunk_size: int = DEFAULT_CHUNK_SIZE) -> Tensor:
    """Rank of each text's ground-truth video among all ``V`` videos.

    Args:
        sims: ``[T, V]`` text-by-video similarities, any real dtype.
        text_to_video: ``[T]`` integer index of each text's video.
        chunk_size: texts processed at once.

    Returns:
        LongTensor ``[T]`` with values in ``1..V``: ``1 + #{v' != gt :
        sims[t, v'] >= sims[t, gt]}``.
    """
    _check_inputs(sims, text_to_video)
    text_to_video = text_to_video.long().to(sims.device)
    ranks = []
    for start in range(0, sims.shape[0], chunk_size):
        rows = _as_float(sims[start:start + chunk_size])
        gt = text_to_video[start:start + chunk_size]
        gt_scores = rows.gather(1, gt.unsqueeze(1)).squeeze(1)
        ranks.append(_pessimistic_ranks(rows, gt_scores))
    if not ranks:
        return torch.empty(0, dtype=torch.long, device=sims.device)
    return torch.cat(ranks)


def _best_caption_scores(sims: Tensor, text_to_video: Tensor,
                         chunk_size: int) -> Tensor:
    """Each video's best-scoring caption against each gallery video.

    Args:
        sims: ``[T, V]`` text-by-video similarities.
        text_to_video: ``[T]`` integer index of each text's video.
        chunk_size: texts scattered at once.

    Returns:
        ``[V, V]`` tensor ``B`` with ``B[u, v] = max_{t : text_to_video[t]
        = u} sims[t, v]`` (``-inf`` for a video ``u`` without captions).
    """
    text_to_video = text_to_video.long().to(sims.device)
    num_videos = sims.shape[1]
    dtype = torch.promote_types(sims.dtype, torch.float32)
    best = sims.new_full((num_videos, num_videos), float('-inf'), dtype=dtype)
    for start in range(0, sims.shape[0], chunk_size):
        rows = _as_float(sims[start:start + chunk_size])
        owner = text_to_video[start:start + chunk_size]
        best.scatter_reduce_(
            0,
            owner.unsqueeze(1).expand_as(rows),
            rows,
            reduce='amax',
            include_self=True)
    return best


def video_to_text_ranks(sims: Tensor,
                        text_to_video: Tensor,
                        *,
                        chunk_size: int = DEFAULT_CHUNK_SIZE) -> Tensor:
    """Rank of each video's own captions among all videos' captions.

    Multi-caption convention (X-Pool, CLIP4Clip, T-MASS): every video ``u``
    competes with its best caption, ``b(v, u) = max_{t of u} sims[t, v]``,
    and the rank of video ``v`` is ``1 + #{u != v : b(v, u) >= b(v, v)}``.
    With one caption per video this is the usual column-wise rank.

    Args:
        sims: ``[T, V]`` text-by-video similarities, any real dtype.
        text_to_video: ``[T]`` integer index of each text's video; every
            video must own at least one caption.
        chunk_size: texts processed at once.

    Returns:
        LongTensor ``[V]`` with values in ``1..V``.
    """
    _check_inputs(sims, text_to_video)
    counts = torch.bincount(
        text_to_video.long().cpu(), minlength=sims.shape[1])
    if (counts == 0).any():
        first = int(torch.nonzero(counts == 0)[0])
        raise ValueError(
            f'video {first} has no caption in text_to_video '
            f'({int((counts == 0).sum())} of {sims.shape[1]} videos have '
            'none); video-to-text ranks need at least one per video')
    best = _best_caption_scores(sims, text_to_video, chunk_size)
    # Column v of ``best`` holds b(v, u) over u; its diagonal entry is b(v, v).
    return _pessimistic_ranks(best.T, best.diagonal())


def rank_metrics(ranks: Tensor) -> dict:
    """Recall at 1/5/10/50 (percent), median and mean rank.

    Args:
        ranks: ``[N]`` 1-based ranks, ``N >= 1``.

    Returns:
        dict of Python floats with keys ``'R1'``, ``'R5'``, ``'R10'``,
        ``'R50'`` (percent of ranks ``<= k``), ``'MdR'`` (median; the mean
        of the two middle ranks when ``N`` is even, as ``np.median``) and
        ``'MnR'`` (mean rank).
    """
    if ranks.dim() != 1 or ranks.numel() == 0:
        raise ValueError(f'ranks must be a non-empty [N] tensor, got shape '
                         f'{tuple(ranks.shape)}')
    ranks = ranks.detach().cpu().double().numpy()
    if (ranks < 1).any():
        raise ValueError(f'ranks are 1-based, got minimum {ranks.min()}')
    metrics = {
        f'R{k}': float(100.0 * np.mean(ranks <= k))
        for k in (1, 5, 10, 50)
    }
    metrics['MdR'] = float(np.median(ranks))
    metrics['MnR'] = float(np.mean(ranks))
    return metrics
