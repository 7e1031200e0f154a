"""CLIP text and image towers on open_clip."""
import copy
from typing import Optional, Union

import open_clip
import torch
from mmengine.model import BaseModule
from torch import Tensor

from tmass_mm.registry import MODELS
from .clip_loading import download_openai_weights, read_state_dict


@MODELS.register_module()
class CLIPEncoder(BaseModule):
    """Encodes captions and video frames with an open_clip CLIP model.

    Args:
        model_name (str): an open_clip model name, e.g. ``'ViT-B-32'``.
            Ignored when ``model_cfg`` is given.
        model_cfg (dict, optional): an open_clip model config (``embed_dim``,
            ``vision_cfg``, ``text_cfg``, ``quick_gelu``), e.g. a tiny one for
            tests.
        pretrained (str, optional): ``'openai'`` (open_clip downloads and
            caches OpenAI's weights), a local file path, or ``None`` for random
            initialisation.
        quick_gelu (bool): QuickGELU activations, as OpenAI's CLIP uses.
            Overrides the value in ``model_cfg``.
        freeze_text (bool): keep the text tower (and token embedding) fixed.
        freeze_vision (bool): keep the image tower fixed.
        grad_checkpointing (bool): gradient checkpointing of both towers'
            transformer blocks (open_clip's ``set_grad_checkpointing``):
            their activations are not kept for backward but recomputed
            during it, trading about one extra forward of the towers for
            activation memory. Same loss and gradients.

    The open_clip model lives under ``self.clip``; its ``logit_scale`` (log of
    the inverse temperature) is exposed as ``self.logit_scale``.
    """

    def __init__(self,
                 model_name: str = 'ViT-B-32',
                 model_cfg: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 quick_gelu: bool = True,
                 freeze_text: bool = False,
                 freeze_vision: bool = False,
                 grad_checkpointing: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if model_cfg is None:
            model_cfg = open_clip.get_model_config(model_name)
            if model_cfg is None:
                raise ValueError(f'unknown open_clip model {model_name!r}')
        model_cfg = copy.deepcopy(model_cfg)
        model_cfg['quick_gelu'] = quick_gelu
        self.model_name = model_name
        self.clip = open_clip.CLIP(**model_cfg)
        self.pretrained = pretrained
        if pretrained is not None:
            self.load_pretrained(pretrained)
        if freeze_text:
            self._freeze(self._text_modules())
        if freeze_vision:
            self._freeze([self.clip.visual])
        self.clip.set_grad_checkpointing(grad_checkpointing)

    @property
    def embed_dim(self) -> int:
        return self.clip.text_projection.shape[1]

    @property
    def logit_scale(self) -> torch.nn.Parameter:
        return self.clip.logit_scale

    def load_pretrained(self, pretrained: Union[str, None]) -> None:
        """Load ``'openai'`` weights or a local file into ``self.clip``."""
        path = (
            download_openai_weights(self.model_name)
            if pretrained == 'openai' else pretrained)
        state = read_state_dict(path)
        # traced archives also hold buffers open_clip does not save
        for name, _ in self.clip.named_buffers():
            state.pop(name, None)
        missing, unexpected = self.clip.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise KeyError(f'CLIP weights in {path} do not match the model: '
                           f'missing {missing[:5]}, unexpected '
                           f'{unexpected[:5]}')

    def _text_modules(self):
        return [
            self.clip.transformer, self.clip.token_embedding,
            self.clip.ln_final
        ]

    def _freeze(self, modules) -> None:
        for module in modules:
            for param in module.parameters():
                param.requires_grad_(False)
        if any(m is self.clip.transformer for m in modules):
            self.clip.positional_embedding.requires_grad_(False)
            self.clip.text_projection.requires_grad_(False)

    def encode_text(self, tokens: Tensor) -> Tensor:
        """``[N, L]`` token ids → ``[N, D]`` text features (unnormalised).

        CLIP's text tower is causal and reads each caption's features at
        its end-of-text token (the largest id), so the positions after the
        batch's last end-of-text token change nothing: they are cut off
        before the tower runs. Same features, at a fraction of the cost of
        all ``L`` positions for short captions (a ten-word query uses about
        12 of 77). Other text towers run on every position.
        """
        clip = self.clip
        if clip.text_pool_type != 'argmax' or clip.attn_mask is None:
            return clip.encode_text(tokens)
        end = tokens.argmax(dim=-1)
        length = int(end.max()) + 1
        cast_dtype = clip.transformer.get_cast_dtype()
        x = clip.token_embedding(tokens[:, :length]).to(cast_dtype)
        x = x + clip.positional_embedding[:length].to(cast_dtype)
        x = clip.transformer(x, attn_mask=clip.attn_mask[:length, :length])
        x = clip.ln_final(x)[torch.arange(len(x), device=x.device), end]
        if isinstance(clip.text_projection, torch.nn.Linear):
            return clip.text_projection(x)
        return x @ clip.text_projection

    def encode_video(self, frames: Tensor) -> Tensor:
        """``[B, F, 3, H, W]`` normalised frames → ``[B, F, D]`` features."""
        batch, num_frames = frames.shape[:2]
        feats = self.clip.encode_image(frames.flatten(0, 1))
        return feats.view(batch, num_frames, -1)
