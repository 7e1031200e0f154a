from .epoch_seed_hook import EpochSeedHook
from .logit_scale_clamp_hook import ClampLogitScaleHook

__all__ = ['ClampLogitScaleHook', 'EpochSeedHook']
