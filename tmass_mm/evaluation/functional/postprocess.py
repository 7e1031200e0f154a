"""Inference-time re-scoring of a text-video similarity matrix.

Both functions take ``sims`` as ``[T, V]`` (row = text query, column =
gallery video) and return a re-scored matrix of the same shape, meant to be
ranked by the functions in :mod:`.ranking`. Neither changes the model.
"""
import torch
from torch import Tensor

from .ranking import DEFAULT_CHUNK_SIZE, _as_float


def _check_matrix(name: str, sims: Tensor) -> None:
    if sims.dim() != 2:
        raise ValueError(
            f'{name} must be a 2-D matrix, got shape {tuple(sims.shape)}')


def dual_softmax(sims: Tensor, dim: int, temperature: float = 100.0) -> Tensor:
    """Dual softmax (DSL): ``s' = s * softmax(temperature * s, dim=dim)``.

    The prior ``softmax(temperature * s)`` is taken across the *other*
    modality from the one being ranked, so an item that scores highly for
    every query (a hub) has its scores shared out and demoted.

    For ``sims`` of shape ``[T, V]``:

    * ``dim=0`` normalises each video's column over texts; use it before
      ranking text-to-video (each row then ranks the videos).
    * ``dim=1`` normalises each text's row over videos; use it before
      ranking video-to-text.

    Args:
        sims: ``[T, V]`` similarities, any real dtype (computed in float32,
            or float64 if given).
        dim: the dimension the softmax runs over, 0 (texts) or 1 (videos).
        temperature: multiplies ``sims`` inside the softmax only.

    Returns:
        ``[T, V]`` re-scored similarities.
    """
    _check_matrix('sims', sims)
    if dim not in (0, 1, -1, -2):
        raise ValueError(f'dim must be 0 (texts) or 1 (videos), got {dim}')
    sims = _as_float(sims)
    return sims * torch.softmax(temperature * sims, dim=dim)


def _querybank_statistics(querybank_sims: Tensor, beta: float, k: int,
                          chunk_size: int) -> tuple[Tensor, Tensor]:
    """Log-normalisers and activation set of the gallery, chunked over Q.

    Args:
        querybank_sims: ``[Q, V]`` querybank queries by gallery items.

    Returns:
        ``log_norm`` ``[V]``: ``log sum_q exp(beta * querybank_sims[q, j])``;
        ``active`` ``[V]`` bool: item ``j`` is in the top-``k`` of at least
        one querybank query.
    """
    num_items = querybank_sims.shape[1]
    dtype = torch.promote_types(querybank_sims.dtype, torch.float32)
    log_norm = querybank_sims.new_full((num_items, ),
                                       float('-inf'),
                                       dtype=dtype)
    active = torch.zeros(
        num_items, dtype=torch.bool, device=querybank_sims.device)
    for start in range(0, querybank_sims.shape[0], chunk_size):
        rows = _as_float(querybank_sims[start:start + chunk_size])
        log_norm = torch.logaddexp(log_norm,
                                   torch.logsumexp(beta * rows, dim=0))
        active[rows.topk(k, dim=1).indices.flatten()] = True
    return log_norm, active


def querybank_normalise(sims: Tensor,
                        querybank_sims: Tensor,
                        beta: float = 20.0,
                        k: int = 1,
                        *,
                        chunk_size: int = DEFAULT_CHUNK_SIZE) -> Tensor:
    """QB-Norm with the dynamic inverted softmax (Bogolin et al., CVPR 2022).

    A querybank of queries from outside the test set (e.g. training
    captions) is scored against the same gallery. Gallery item ``j`` gets
    the normaliser ``N_j = sum_q exp(beta * querybank_sims[q, j])``, large
    for hubs that attract many querybank queries. The activation set is
    the items ranked in the top ``k`` by at least one querybank query. A
    test query whose top-1 item (first index on ties) is in the activation
    set has its row replaced by the inverted softmax
    ``exp(beta * s[i, j]) / N_j``; every other row is returned unchanged.

    The replaced rows hold the logarithm of that score,
    ``beta * s[i, j] - log N_j``, which ranks identically within the row
    and can neither overflow nor underflow into false ties. Rows therefore
    mix two scales: rank the result per row (query-to-gallery) only. For
    video-to-text, pass the transposed matrices (videos as queries).

    Args:
        sims: ``[T, V]`` test queries by gallery items.
        querybank_sims: ``[Q, V]`` querybank queries by the same gallery.
        beta: inverse temperature of the inverted softmax.
        k: querybank top-k that defines the activation set, ``1 <= k <= V``.
        chunk_size: querybank rows processed at once.

    Returns:
        ``[T, V]`` re-scored similarities (float32, or float64 if given).
    """
    _check_matrix('sims', sims)
    _check_matrix('querybank_sims', querybank_sims)
    if querybank_sims.shape[1] != sims.shape[1]:
        raise ValueError(
            f'querybank_sims {tuple(querybank_sims.shape)} and sims '
            f'{tuple(sims.shape)} must share the gallery dimension V')
    if querybank_sims.shape[0] == 0:
        raise ValueError('querybank_sims has no queries (shape '
                         f'{tuple(querybank_sims.shape)})')
    if not 1 <= k <= sims.shape[1]:
        raise ValueError(f'k must lie in [1, {sims.shape[1]}], got {k}')
    log_norm, active = _querybank_statistics(
        querybank_sims.to(sims.device), beta, k, chunk_size)
    sims = _as_float(sims)
    out = sims.clone()
    if sims.shape[0] == 0:
        return out
    rows = active[sims.argmax(dim=1)]
    out[rows] = beta * sims[rows] - log_norm.to(sims.dtype)
    return out
