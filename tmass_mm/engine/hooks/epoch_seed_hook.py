"""Reseeds every epoch so a resumed run replays the same randomness."""
from mmengine.hooks import Hook
from mmengine.runner import set_random_seed

from tmass_mm.registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Seeds python, numpy and torch with ``seed + epoch`` (+ rank) before
    each training epoch.

    MMEngine seeds once at start-up and does not store the random state in
    checkpoints, so after ``--resume`` the stochastic text samples, dropout
    and augmentations would differ from an uninterrupted run. With this hook
    an epoch's randomness depends only on the seed and the epoch number.

    Args:
        seed (int, optional): base seed; defaults to the runner's seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self, seed=None):
        self.seed = seed

    def before_train_epoch(self, runner) -> None:
        base = runner.seed if self.seed is None else self.seed
        set_random_seed(base + runner.epoch, diff_rank_seed=True)
