"""All-gather with gradients, for losses over the global batch.

``gather_with_grad(x)`` returns the rows of ``x`` from every rank, in rank
order; in backward, rank ``r`` receives the sum over ranks of the gradients
that reached its own rows, so every rank's loss contributes to the features
it did not produce. Ranks may hold different numbers of rows (a last, short
batch): rows are padded to the largest count for the collective and
trimmed after it.
"""
from typing import List, Tuple

import torch
import torch.distributed as torch_dist
from torch import Tensor


def distributed_world_size() -> int:
    """Ranks of the default process group; 1 without one."""
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_world_size()
    return 1


def gather_row_counts(rows: int, device) -> List[int]:
    """The number of rows each rank holds, in rank order."""
    counts = [
        torch.zeros((), dtype=torch.int64, device=device)
        for _ in range(torch_dist.get_world_size())
    ]
    torch_dist.all_gather(counts,
                          torch.tensor(rows, dtype=torch.int64, device=device))
    return [int(count) for count in counts]


class _GatherRows(torch.autograd.Function):
    """``[n_r, ...]`` on rank ``r`` → ``[sum n, ...]`` on every rank."""

    @staticmethod
    def forward(ctx, tensor: Tensor, counts: Tuple[int, ...]) -> Tensor:
        rank = torch_dist.get_rank()
        ctx.start = sum(counts[:rank])
        ctx.rows = counts[rank]
        padded = tensor.new_zeros((max(counts), *tensor.shape[1:]))
        padded[:len(tensor)] = tensor
        parts = [torch.empty_like(padded) for _ in counts]
        torch_dist.all_gather(parts, padded.contiguous())
        return torch.cat([part[:n] for part, n in zip(parts, counts)])

    @staticmethod
    def backward(ctx, grad: Tensor):
        grad = grad.contiguous()
        torch_dist.all_reduce(grad)  # sum of every rank's contribution
        return grad[ctx.start:ctx.start + ctx.rows], None


def gather_with_grad(tensor: Tensor, counts: Tuple[int, ...]) -> Tensor:
    """Rows of every rank concatenated in rank order, differentiable.

    Args:
        tensor: ``[n_r, ...]`` this rank's rows (same trailing shape and
            dtype on every rank).
        counts: ``n_r`` of every rank, from :func:`gather_row_counts`.

    Returns:
        ``[sum n, ...]``.
    """
    return _GatherRows.apply(tensor, tuple(counts))
