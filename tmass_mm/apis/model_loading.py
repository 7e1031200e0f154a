"""Build a retriever from a config and load a checkpoint into it.

Shared by the analysis tools (and meant for ``tools/test.py``): the backbone
is never downloaded (``pretrained=None`` is forced), the checkpoint is read
with the policy of :mod:`tmass_mm.utils.checkpoint`, and the parts the
caller needs (by default the neck and the head) must be in it.
"""
import copy
import logging
from typing import Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from tmass_mm.utils.checkpoint import load_state_dict_file

SCORING_PARTS = ('neck.', 'head.')


def load_config(config: Union[str, Config],
                cfg_options: Optional[dict] = None) -> Config:
    """Read a config file (or copy a ``Config``) and merge ``cfg_options``
    (``--cfg-options`` key=value pairs)."""
    cfg = Config.fromfile(config) if isinstance(config, str) else \
        copy.deepcopy(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def apply_scoring_overrides(model_cfg: dict,
                            trials: Optional[int] = None,
                            prior: Optional[str] = None,
                            prior_std: Optional[float] = None) -> dict:
    """Set the head's ``num_trials`` and its sampler's ``prior`` /
    ``prior_std`` in a model config (in place; ``None`` keeps the config's
    value). The head and sampler validate the values when built."""
    head = model_cfg['head']
    if trials is not None:
        if trials < 1:
            raise ValueError(f'trials must be >= 1, got {trials}')
        head['num_trials'] = trials
    if prior is not None:
        head['sampler']['prior'] = prior
    if prior_std is not None:
        if prior_std < 0:
            raise ValueError(f'prior_std must be >= 0, got {prior_std}')
        head['sampler']['prior_std'] = prior_std
    return model_cfg


def build_retriever(cfg: Config, device: Union[str, torch.device] = 'cpu'):
    """Build ``cfg.model`` without pretrained backbone weights, in eval mode
    on ``device``."""
    from tmass_mm.registry import MODELS
    init_default_scope(cfg.get('default_scope', 'tmass_mm'))
    model_cfg = cfg.model.copy()
    backbone = dict(model_cfg['backbone'])
    backbone['pretrained'] = None
    model_cfg['backbone'] = backbone
    model = MODELS.build(model_cfg)
    return model.to(device).eval()


def load_weights(model: torch.nn.Module,
                 state_dict: dict,
                 required: Sequence[str] = SCORING_PARTS,
                 source: str = 'the checkpoint') -> list:
    """Load ``state_dict`` into ``model``.

    Every model key under a ``required`` prefix must be present; keys the
    model does not have are an error; other missing keys (e.g. the backbone
    when only embeddings are scored) keep their initialisation.

    Returns:
        The missing keys outside ``required``.

    Raises:
        KeyError: naming the missing required or unexpected keys.
        RuntimeError: on shape mismatches (a config that does not match the
            checkpoint, e.g. another ``num_frames`` or ``embed_dim``).
    """
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    needed = [k for k in missing if k.startswith(tuple(required))]
    if needed:
        raise KeyError(
            f'{source} lacks {len(needed)} weights the model needs '
            f'(prefixes {", ".join(required)}), e.g. {needed[:5]}; is it a '
            f'tmass_mm checkpoint (convert official ones with '
            f'tools/model_converters/tmass_official_to_mm.py)?')
    if unexpected:
        raise KeyError(f'{source} holds {len(unexpected)} weights this model '
                       f'does not have, e.g. {unexpected[:5]}; does the '
                       f'config match the checkpoint?')
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)} vs model '
        f'{tuple(expected[k].shape)}' for k, v in state_dict.items()
        if v.shape != expected[k].shape
    ]
    if mismatched:
        raise RuntimeError(f'{source} does not match the config: '
                           f'{"; ".join(mismatched[:5])}')
    model.load_state_dict(state_dict, strict=False)
    return missing


def init_retriever(config: Union[str, Config],
                   checkpoint: Optional[str],
                   device: Union[str, torch.device] = 'cpu',
                   cfg_options: Optional[dict] = None,
                   trials: Optional[int] = None,
                   prior: Optional[str] = None,
                   prior_std: Optional[float] = None,
                   required: Sequence[str] = SCORING_PARTS,
                   trusted: bool = False):
    """Config → model with checkpoint weights, ready to score.

    Args:
        config: config file or ``Config``.
        checkpoint: MMEngine checkpoint (from training or from the official
            converter), or ``None`` to keep the initial weights.
        device: where the model lives.
        cfg_options: merged into the config first.
        trials, prior, prior_std: scoring overrides
            (:func:`apply_scoring_overrides`); ``None`` keeps the config's.
        required: prefixes of the weights the checkpoint must hold; use
            ``('backbone.', 'neck.', 'head.')`` to encode raw videos.
        trusted: see :func:`tmass_mm.utils.checkpoint.load_checkpoint_file`.

    Returns:
        ``(model, cfg)``.
    """
    cfg = load_config(config, cfg_options)
    apply_scoring_overrides(cfg.model, trials, prior, prior_std)
    model = build_retriever(cfg, device)
    if checkpoint is not None:
        replaced = []
        state = load_state_dict_file(checkpoint, trusted, replaced)
        if replaced:
            names = ', '.join(sorted(replaced))
            print_log(
                f'{checkpoint}: its non-tensor objects ({names}) were '
                f'not unpickled (weights-only reading); the weights '
                f'are complete',
                logger='current',
                level=logging.INFO)
        missing = load_weights(model, state, required, checkpoint)
        if missing:
            parts = sorted({k.split('.')[0] for k in missing})
            print_log(
                f'{checkpoint} has no weights for {", ".join(parts)} '
                f'({len(missing)} keys): they keep their random '
                f'initialisation',
                logger='current',
                level=logging.INFO)
    return model, cfg
