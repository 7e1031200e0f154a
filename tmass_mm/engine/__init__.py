"""Training and evaluation machinery around the model: retrieval val/test
loops, hooks, the runner that records its checkpoints in a ledger, warm-up
schedulers and data-worker seeding."""
from .hooks import *  # noqa: F401,F403
from .loops import *  # noqa: F401,F403
from .warmup_schedulers import CosineAfterWarmupLR, LinearWarmupLR
from .worker_seeding import seed_worker_from_torch

__all__ = ['CosineAfterWarmupLR', 'LinearWarmupLR', 'seed_worker_from_torch']
