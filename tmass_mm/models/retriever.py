"""The T-MASS text-video retriever: wires backbone, neck and head."""
from typing import Dict, List, Optional, Tuple, Union

from mmengine.model import BaseModel
from torch import Tensor

from tmass_mm.registry import MODELS, build_model_part
from tmass_mm.structures import RetrievalDataSample


@MODELS.register_module()
class TMASSRetriever(BaseModel):
    """Text-video retrieval with a stochastic text mass.

    Args:
        backbone (dict): the CLIP encoder (``CLIPEncoder``).
        neck (dict): text-conditioned frame pooling (``XPoolNeck``).
        head (dict): losses and scores (``TMASSHead``).
        data_preprocessor (dict): defaults to ``RetrievalDataPreprocessor``.

    ``inputs`` is ``dict(imgs=[B, F, 3, H, W], texts=[N, L])``; caption ``k``
    belongs to the sample whose ``text_indices`` hold it, in order.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 data_preprocessor=None,
                 init_cfg=None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='RetrievalDataPreprocessor')
        if isinstance(data_preprocessor, dict):
            data_preprocessor = build_model_part(data_preprocessor)
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = build_model_part(backbone)
        self.neck = build_model_part(neck)
        self.head = build_model_part(head)

    def extract_feats(self, inputs: dict) -> Tuple[Tensor, Tensor]:
        """``[N, D]`` caption features and ``[B, F, D]`` frame features."""
        return (self.backbone.encode_text(inputs['texts']),
                self.backbone.encode_video(inputs['imgs']))

    def forward(
        self,
        inputs: dict,
        data_samples: Optional[List[RetrievalDataSample]] = None,
        mode: str = 'tensor'
    ) -> Union[Dict[str, Tensor], list, Tuple[Tensor, Tensor]]:
        """``'loss'``: dict of losses (one caption per sample);
        ``'predict'``: the data samples carrying ``text_embeds`` ``[n_i, D]``
        and ``video_embeds`` ``[F, D]``; ``'tensor'``: the raw features."""
        if mode == 'tensor':
            return self.extract_feats(inputs)
        if mode == 'loss':
            return self.loss(inputs)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        raise ValueError(f'unknown mode {mode!r}; use loss, predict or '
                         f'tensor')

    def loss(self, inputs: dict) -> Dict[str, Tensor]:
        num_texts, num_videos = len(inputs['texts']), len(inputs['imgs'])
        if num_texts != num_videos:
            raise ValueError(f'training needs exactly one caption per video; '
                             f'got {num_texts} captions for {num_videos} '
                             f'videos (is the train dataset in test_mode?)')
        text, video = self.extract_feats(inputs)
        return self.head.loss(text, video, self.neck,
                              self.backbone.logit_scale)

    def predict(self, inputs: dict,
                data_samples: List[RetrievalDataSample]) -> list:
        text, video = self.extract_feats(inputs)
        start = 0
        for sample, frames in zip(data_samples, video):
            count = len(sample.text_indices)
            sample.text_embeds = text[start:start + count]
            sample.video_embeds = frames
            start += count
        if start != len(text):
            raise ValueError(f'the data samples list {start} captions but the '
                             f'batch holds {len(text)}')
        return data_samples

    def score_all_pairs(self,
                        text: Tensor,
                        video: Tensor,
                        pool_text_index: Optional[Tensor] = None,
                        seed: Optional[int] = None,
                        video_offset: int = 0,
                        text_keys: Optional[Tensor] = None,
                        video_keys: Optional[Tensor] = None) -> Tensor:
        """``[T, V]`` inference scores of text ``[T, D]`` against video
        ``[V, F, D]`` features, computed on the model's device (see
        ``TMASSHead.predict_scores``)."""
        device = self.data_preprocessor.device
        return self.head.predict_scores(
            text.to(device),
            video.to(device),
            self.neck,
            pool_text_index,
            seed,
            video_offset,
            text_keys=text_keys,
            video_keys=video_keys)
