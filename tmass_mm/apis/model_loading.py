"""Build a retriever from a config and load a checkpoint into it.

Shared by ``tools/test.py`` and the analysis tools: the backbone is never
downloaded (``pretrained=None`` is forced), the checkpoint is read
weights-only (:mod:`tmass_mm.utils.checkpoint`), and every weight the caller
uses (``required``: the neck and the head to score cached features, every
weight to encode videos and texts) must be in it with the model's shape, or
the checkpoint is refused (docs/reliability.md).
"""
import copy
import logging
from typing import Optional, Sequence, Union

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import init_default_scope

from tmass_mm.utils.checkpoint import CheckpointError, load_state_dict_file
from tmass_mm.utils.rank_agreement import run_on_every_rank

# Prefixes of the weights an entry point uses: scoring cached features needs
# the neck and the head; encoding videos and texts needs every weight.
SCORING_PARTS = ('neck.', 'head.')
EVERY_WEIGHT = ('', )


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


def _partial_load_report(source: str, needed: list, unexpected: list,
                         mismatched: list) -> str:
    """The ``--allow-partial`` warning: what the model did not get."""
    parts = []
    if needed:
        parts.append(f'{len(needed)} weights it uses are missing (e.g. '
                     f'{needed[:3]}) and stay random')
    if mismatched:
        parts.append(f'{len(mismatched)} have another shape and stay '
                     f'random ({"; ".join(mismatched[:3])})')
    if unexpected:
        parts.append(f'{len(unexpected)} of its weights are not in the '
                     f'model (e.g. {unexpected[:3]}) and are ignored')
    return (f'PARTIAL LOAD (--allow-partial) of {source}: '
            f'{"; ".join(parts)}. Metrics of this model do not measure '
            f'the checkpoint.')


def load_weights(model: torch.nn.Module,
                 state_dict: dict,
                 required: Sequence[str] = SCORING_PARTS,
                 source: str = 'the checkpoint',
                 allow_partial: bool = False) -> list:
    """Load ``state_dict`` into ``model``.

    Every model key under a ``required`` prefix must be present with the
    model's shape; keys the model does not have are an error; other missing
    keys (e.g. the backbone when only embeddings are scored) keep their
    initialisation. With ``allow_partial`` nothing is an error: what matches
    is loaded, the rest keeps its initialisation and a warning says so.

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
    mismatched = [
        f'{k}: checkpoint {tuple(v.shape)} vs model '
        f'{tuple(expected[k].shape)}' for k, v in state_dict.items()
        if k in expected and v.shape != expected[k].shape
    ]
    if allow_partial and (needed or unexpected or mismatched):
        print_log(
            _partial_load_report(source, needed, unexpected, mismatched),
            logger='current',
            level=logging.WARNING)
        state_dict = {
            k: v
            for k, v in state_dict.items()
            if k in expected and v.shape == expected[k].shape
        }
    elif needed:
        raise KeyError(
            f'{source} lacks {len(needed)} weights the model needs '
            f'(prefixes {", ".join(required)}), e.g. {needed[:5]}; is it a '
            f'tmass_mm checkpoint for this config (convert official ones '
            f'with tools/model_converters/tmass_official_to_mm.py)?')
    elif unexpected:
        raise KeyError(f'{source} holds {len(unexpected)} weights this model '
                       f'does not have, e.g. {unexpected[:5]}; does the '
                       f'config match the checkpoint?')
    elif mismatched:
        raise RuntimeError(f'{source} does not match the config: '
                           f'{"; ".join(mismatched[:5])}')
    model.load_state_dict(state_dict, strict=False)
    return [k for k in missing if k not in needed]


def load_checkpoint_weights(model: torch.nn.Module,
                            checkpoint: str,
                            required: Sequence[str] = SCORING_PARTS,
                            allow_partial: bool = False) -> None:
    """Read ``checkpoint`` weights-only and load it into ``model`` (or the
    model a wrapper holds) with :func:`load_weights`.

    In a multi-process run every rank calls this; a refusal on any rank
    raises on all of them (:mod:`tmass_mm.utils.rank_agreement`).

    Raises:
        FileNotFoundError, CheckpointError: the file is missing, holds code
            or is not a checkpoint.
        KeyError, RuntimeError: it does not set the ``required`` weights.
    """
    model = model.module if is_model_wrapper(model) else model

    def load() -> list:
        replaced = []
        state = load_state_dict_file(checkpoint, replaced)
        if replaced:
            print_log(
                f'{checkpoint}: its non-tensor objects '
                f'({", ".join(sorted(replaced))}) were not unpickled '
                f'(weights-only reading); the weights are complete',
                logger='current',
                level=logging.INFO)
        return load_weights(model, state, required, checkpoint, allow_partial)

    missing = run_on_every_rank(
        load, (FileNotFoundError, CheckpointError, KeyError, RuntimeError))
    if missing:
        parts = sorted({k.split('.')[0] for k in missing})
        print_log(
            f'{checkpoint} has no weights for {", ".join(parts)} '
            f'({len(missing)} keys): they keep their random '
            f'initialisation',
            logger='current',
            level=logging.INFO)


def init_retriever(config: Union[str, Config],
                   checkpoint: Optional[str],
                   device: Union[str, torch.device] = 'cpu',
                   cfg_options: Optional[dict] = None,
                   trials: Optional[int] = None,
                   prior: Optional[str] = None,
                   prior_std: Optional[float] = None,
                   required: Sequence[str] = SCORING_PARTS,
                   allow_partial: bool = False):
    """Config → model with checkpoint weights, ready to score.

    Args:
        config: config file or ``Config``.
        checkpoint: MMEngine checkpoint (from training or from the official
            converter), or ``None`` to keep the initial weights. It is read
            weights-only, wherever it lies.
        device: where the model lives.
        cfg_options: merged into the config first.
        trials, prior, prior_std: scoring overrides
            (:func:`apply_scoring_overrides`); ``None`` keeps the config's.
        required: prefixes of the weights the checkpoint must set:
            :data:`SCORING_PARTS` to score cached features,
            :data:`EVERY_WEIGHT` to encode raw videos and texts.
        allow_partial: load what matches and warn instead of refusing
            (:func:`load_weights`).

    Returns:
        ``(model, cfg)``.
    """
    cfg = load_config(config, cfg_options)
    apply_scoring_overrides(cfg.model, trials, prior, prior_std)
    model = build_retriever(cfg, device)
    if checkpoint is not None:
        load_checkpoint_weights(model, checkpoint, required, allow_partial)
    return model, cfg
