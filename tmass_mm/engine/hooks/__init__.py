"""Training hooks: per-epoch reseeding, the CLIP logit-scale clamp and the
report of samples skipped for unreadable videos."""
from .epoch_seed_hook import EpochSeedHook
from .logit_scale_clamp_hook import ClampLogitScaleHook
from .skipped_videos_hook import ReportSkippedVideosHook

__all__ = ['ClampLogitScaleHook', 'EpochSeedHook', 'ReportSkippedVideosHook']
