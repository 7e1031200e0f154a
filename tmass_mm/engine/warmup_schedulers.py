"""The published schedule's LR schedulers (linear warm-up, then cosine),
converted from epochs to iterations so that no phase is empty.

MMEngine converts an epoch boundary ``b`` to iteration ``int(b * L)`` (``L``
iterations per epoch). A warm-up of 0.5 epochs then ends at iteration 0 when
``L == 1`` and the scheduler refuses to start ("end should be larger than
begin"); at ``L`` = 2 or 3 it lasts one iteration, and ``LinearLR``, which
reaches its end factor on its last iteration, never leaves its start factor:
the whole run trains at 1e-4 times the lr. These schedulers convert the same
way except that a boundary after the start is at least iteration
``MIN_BOUNDARY`` (2), so the warm-up ramps over at least two iterations and
the lr reaches its base value on any dataset size; for ``L >= 4`` they equal
MMEngine's ``LinearLR`` and ``CosineAnnealingLR``.
"""
from mmengine.optim.scheduler import CosineAnnealingLR, LinearLR
from mmengine.optim.scheduler.param_scheduler import INF

from tmass_mm.registry import PARAM_SCHEDULERS

MIN_BOUNDARY = 2


def epoch_to_iteration(epoch: float, epoch_length: int) -> int:
    """Iteration of epoch boundary ``epoch``; ``INF`` stays ``INF``."""
    if epoch == INF:
        return INF
    iteration = int(epoch * epoch_length)
    return max(iteration, MIN_BOUNDARY) if epoch > 0 else iteration


class _NonEmptyIterationPhase:
    """``build_iter_from_epoch`` with :func:`epoch_to_iteration` boundaries
    (and a period ``T_max`` in epochs scaled to iterations)."""

    @classmethod
    def build_iter_from_epoch(cls,
                              *args,
                              begin=0,
                              end=INF,
                              by_epoch=True,
                              epoch_length=None,
                              **kwargs):
        if not by_epoch or not epoch_length or epoch_length < 1:
            raise ValueError(
                f'{cls.__name__}: only an epoch-based schedule over a '
                f'non-empty epoch converts to iterations (by_epoch='
                f'{by_epoch}, epoch_length={epoch_length})')
        if kwargs.get('T_max') is not None:
            kwargs['T_max'] = kwargs['T_max'] * epoch_length
        first = epoch_to_iteration(begin, epoch_length)
        last = epoch_to_iteration(end, epoch_length)
        if last <= first:
            raise ValueError(
                f'{cls.__name__}: epochs {begin}-{end} hold no iteration at '
                f'{epoch_length} iteration(s) per epoch (iterations {first}-'
                f'{last}); train for more epochs or on more data.')
        return cls(*args, begin=first, end=last, by_epoch=False, **kwargs)


@PARAM_SCHEDULERS.register_module()
class LinearWarmupLR(_NonEmptyIterationPhase, LinearLR):
    """MMEngine's ``LinearLR``; converted to iterations it lasts at least
    two, its start and end factors."""


@PARAM_SCHEDULERS.register_module()
class CosineAfterWarmupLR(_NonEmptyIterationPhase, CosineAnnealingLR):
    """MMEngine's ``CosineAnnealingLR``; converted to iterations it starts
    where :class:`LinearWarmupLR` ends."""
