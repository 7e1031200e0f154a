from .logit_scale_clamp_hook import ClampLogitScaleHook

__all__ = ['ClampLogitScaleHook']
