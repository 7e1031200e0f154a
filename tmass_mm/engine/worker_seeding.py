"""Seeding of DataLoader workers that follows the main process's seed."""
import random

import numpy as np
import torch

from tmass_mm.registry import FUNCTIONS


@FUNCTIONS.register_module()
def seed_worker_from_torch(worker_id: int) -> None:
    """Seed ``random`` and numpy in a worker from torch's seed for it.

    torch gives each worker ``base_seed + worker_id``, ``base_seed`` drawn
    from the main process's generator whenever the workers start. With
    non-persistent workers and ``EpochSeedHook`` that makes every epoch's
    augmentations different from the last, yet the same after ``--resume``
    (MMEngine's default seeds workers identically every epoch).
    """
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)
