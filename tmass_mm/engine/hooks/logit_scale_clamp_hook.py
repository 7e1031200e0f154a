"""Keeps CLIP's temperature in range after every optimiser step."""
import math

import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from tmass_mm.registry import HOOKS


@HOOKS.register_module()
class ClampLogitScaleHook(Hook):
    """Clamps ``model.backbone.logit_scale`` to at most ``max_value``.

    Args:
        max_value (float): upper bound of the log inverse temperature,
            ``ln 100`` as in CLIP.
    """

    priority = 'LOW'

    def __init__(self, max_value: float = math.log(100)):
        self.max_value = max_value

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        with torch.no_grad():
            model.backbone.logit_scale.clamp_(max=self.max_value)
