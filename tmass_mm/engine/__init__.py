from .hooks import *  # noqa: F401,F403
from .loops import *  # noqa: F401,F403
from .warmup_schedulers import CosineAfterWarmupLR, LinearWarmupLR
from .worker_seeding import seed_worker_from_torch

__all__ = ['CosineAfterWarmupLR', 'LinearWarmupLR', 'seed_worker_from_torch']
