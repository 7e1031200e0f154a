"""Batches frames and caption tokens; normalises frames with CLIP's stats."""
from typing import Sequence

import torch
from mmengine.model import BaseDataPreprocessor

from tmass_mm.registry import MODELS

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


@MODELS.register_module()
class RetrievalDataPreprocessor(BaseDataPreprocessor):
    """Turns a collated batch into the retriever's inputs.

    Input (from ``pseudo_collate``): ``inputs=dict(imgs=[uint8 [F, 3, H, W]]
    * B, texts=[long [n_i, L]] * B)``. Output: ``inputs=dict(imgs=float
    [B, F, 3, H, W] normalised, texts=long [sum n_i, L])`` on the model's
    device; data samples pass through.

    Args:
        mean, std (sequence of float): per-channel statistics on the 0–1
            scale (CLIP's by default); frames arrive as 0–255.
    """

    def __init__(self,
                 mean: Sequence[float] = CLIP_MEAN,
                 std: Sequence[float] = CLIP_STD):
        super().__init__()
        self.register_buffer(
            'mean', torch.tensor(mean).view(3, 1, 1) * 255, persistent=False)
        self.register_buffer(
            'std', torch.tensor(std).view(3, 1, 1) * 255, persistent=False)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs = data['inputs']
        imgs = torch.stack(list(inputs['imgs'])).float()
        imgs = (imgs - self.mean) / self.std
        texts = torch.cat(list(inputs['texts']))
        return dict(
            inputs=dict(imgs=imgs, texts=texts),
            data_samples=data.get('data_samples'))
