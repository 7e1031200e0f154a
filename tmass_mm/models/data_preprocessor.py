"""Batches frames and caption tokens; normalises frames with CLIP's stats."""
from typing import Sequence

import torch
from mmengine.model import BaseDataPreprocessor
from open_clip import OPENAI_DATASET_MEAN, OPENAI_DATASET_STD

from tmass_mm.registry import MODELS


@MODELS.register_module()
class RetrievalDataPreprocessor(BaseDataPreprocessor):
    """Turns a collated batch into the retriever's inputs.

    Input (from ``pseudo_collate``): ``inputs=dict(imgs=[uint8 [F, 3, H, W]]
    * B, texts=[long [n_i, L]] * B)``. Output: ``inputs=dict(imgs=float
    [B, F, 3, H, W] normalised, texts=long [sum n_i, L])`` on the model's
    device; data samples pass through.

    Args:
        mean, std (sequence of float): per-channel statistics on the 0–1
            scale (by default CLIP's, as open_clip publishes them); frames
            arrive as 0–255.
    """

    def __init__(self,
                 mean: Sequence[float] = OPENAI_DATASET_MEAN,
                 std: Sequence[float] = OPENAI_DATASET_STD):
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
