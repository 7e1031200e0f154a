from .hooks import *  # noqa: F401,F403
from .loops import *  # noqa: F401,F403
from .worker_seeding import seed_worker_from_torch

__all__ = ['seed_worker_from_torch']
