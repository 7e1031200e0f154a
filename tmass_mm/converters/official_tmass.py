"""Conversion of the public T-MASS checkpoints to this project's layout.

The public trainer saves ``{'epoch', 'state_dict', 'optimizer'}``; its model
holds a Hugging Face ``CLIPModel`` under ``clip.``, the X-Pool pooling under
``pool_frames.`` and the radius under ``stochastic.std_branch.``
(docs/method.md §9).
This module maps those keys onto a ``TMASSRetriever``:

=================================  =======================================
official                           tmass_mm
=================================  =======================================
``clip.*`` (HF ``CLIPModel``)      ``backbone.clip.*`` (open_clip ``CLIP``)
``pool_frames.*``                  ``neck.*`` (``XPoolNeck``)
``stochastic.std_branch.*``        ``head.sampler.radius_module.*``
=================================  =======================================

Only tensors are read: sizes (widths, layers, patch size, frames) come from
the weights themselves, so any ViT CLIP converts. Nothing here needs
``transformers``.
"""
import os.path as osp
import re
from functools import partial
from typing import Callable, Dict, List, Optional, Tuple

import torch
from torch import Tensor

from tmass_mm.utils.checkpoint import CheckpointError, load_checkpoint_file

StateDict = Dict[str, Tensor]

# Official prefix → (group name, prefix in the converted state dict).
GROUPS = {
    'clip.': ('backbone', 'backbone.clip.'),
    'pool_frames.': ('neck', 'neck.'),
    'stochastic.std_branch.': ('radius', 'head.sampler.radius_module.'),
}

# Keys that carry no weights of the model: HF's ``position_ids`` buffers
# (saved by transformers < 4.31) and the radius' never-used, uninitialised
# ``learnable_scalar``.
DROPPED_KEYS = (
    'clip.text_model.embeddings.position_ids',
    'clip.vision_model.embeddings.position_ids',
    'stochastic.std_branch.learnable_scalar',
)

# X-Pool pooling: official name → ``XPoolNeck`` name (weights and biases).
NECK_NAMES = {
    'layer_norm1': 'norm_input',
    'cross_attn.q_proj': 'q_proj',
    'cross_attn.k_proj': 'k_proj',
    'cross_attn.v_proj': 'v_proj',
    'cross_attn.out_proj': 'out_proj',
    'layer_norm2': 'norm_pooled',
    'linear_proj': 'linear',
    'layer_norm3': 'norm_output',
}

# Radius: official name → ``SimilarityRadius`` name.
RADIUS_NAMES = {'linear_proj': 'linear'}


def _transpose(tensor: Tensor) -> Tensor:
    """HF stores projections as Linear weights ``[D, width]``; open_clip as
    matrices ``[width, D]`` applied on the right."""
    return tensor.t().contiguous()


def _same(tensor: Tensor) -> Tensor:
    return tensor


# HF ``CLIPModel`` name (without ``clip.``) → (open_clip name, tensor map),
# for everything outside the transformer layers.
CLIP_NAMES: Dict[str, Tuple[str, Callable[[Tensor], Tensor]]] = {
    'logit_scale': ('logit_scale', _same),
    'text_model.embeddings.token_embedding.weight':
    ('token_embedding.weight', _same),
    'text_model.embeddings.position_embedding.weight':
    ('positional_embedding', _same),
    'text_model.final_layer_norm.weight': ('ln_final.weight', _same),
    'text_model.final_layer_norm.bias': ('ln_final.bias', _same),
    'text_projection.weight': ('text_projection', _transpose),
    'vision_model.embeddings.class_embedding':
    ('visual.class_embedding', _same),
    'vision_model.embeddings.patch_embedding.weight': ('visual.conv1.weight',
                                                       _same),
    'vision_model.embeddings.position_embedding.weight':
    ('visual.positional_embedding', _same),
    'vision_model.pre_layrnorm.weight': ('visual.ln_pre.weight', _same),
    'vision_model.pre_layrnorm.bias': ('visual.ln_pre.bias', _same),
    'vision_model.post_layernorm.weight': ('visual.ln_post.weight', _same),
    'vision_model.post_layernorm.bias': ('visual.ln_post.bias', _same),
    'visual_projection.weight': ('visual.proj', _transpose),
}

# Transformer layers: ``{tower}.encoder.layers.{i}.{rest}``.
_LAYER_KEY = re.compile(
    r'^(text_model|vision_model)\.encoder\.layers\.(\d+)\.(.+)$')
_TOWERS = {'text_model': 'transformer', 'vision_model': 'visual.transformer'}
# HF's separate q/k/v maps of a layer, fused in this order into open_clip's
# ``attn.in_proj_{weight,bias}`` (``nn.MultiheadAttention``'s layout).
QKV = ('q_proj', 'k_proj', 'v_proj')
_QKV_KEY = re.compile(r'^self_attn\.([qkv]_proj)\.(weight|bias)$')
# Inside a layer, HF name → open_clip name (weights and biases).
LAYER_NAMES = {
    'layer_norm1': 'ln_1',
    'self_attn.out_proj': 'attn.out_proj',
    'layer_norm2': 'ln_2',
    'mlp.fc1': 'mlp.c_fc',
    'mlp.fc2': 'mlp.c_proj',
}


def _rename(name: str, names: Dict[str, str]) -> Optional[str]:
    """``'{module}.{weight|bias}'`` with the module renamed, or ``None``."""
    module, _, param = name.rpartition('.')
    if module in names and param in ('weight', 'bias'):
        return f'{names[module]}.{param}'
    return None


def convert_clip(state: StateDict) -> StateDict:
    """Map a Hugging Face ``CLIPModel`` state dict onto open_clip's ``CLIP``.

    Args:
        state: HF keys without the ``clip.`` prefix and without the
            ``position_ids`` buffers.

    Returns:
        open_clip keys (``visual.*``, ``transformer.*``, ...). q/k/v maps are
        fused into ``attn.in_proj_weight`` ``[3 * width, width]`` and
        ``attn.in_proj_bias``; the text and image projections are transposed.

    Raises:
        KeyError: on a key that is not part of a HF CLIP model, or a layer
            whose q/k/v maps are incomplete.
    """
    converted: StateDict = {}
    qkv_parts: Dict[str, Dict[str, Tensor]] = {}
    for name, tensor in state.items():
        if name in CLIP_NAMES:
            new_name, convert = CLIP_NAMES[name]
            converted[new_name] = convert(tensor)
            continue
        match = _LAYER_KEY.match(name)
        if match is None:
            raise KeyError(f'unknown CLIP key: clip.{name}')
        tower, index, rest = match.groups()
        prefix = f'{_TOWERS[tower]}.resblocks.{index}.'
        qkv = _QKV_KEY.match(rest)
        if qkv is not None:
            proj, param = qkv.groups()
            key = f'{prefix}attn.in_proj_{param}'
            qkv_parts.setdefault(key, {})[proj] = tensor
            continue
        new_rest = _rename(rest, LAYER_NAMES)
        if new_rest is None:
            raise KeyError(f'unknown CLIP key: clip.{name}')
        converted[prefix + new_rest] = tensor
    converted.update(_fuse_qkv(qkv_parts))
    return converted


def _fuse_qkv(parts: Dict[str, Dict[str, Tensor]]) -> StateDict:
    """Concatenate q, k, v (in that order) along the output dimension."""
    fused = {}
    for key, by_proj in parts.items():
        absent = [proj for proj in QKV if proj not in by_proj]
        if absent:
            raise KeyError(f'cannot build {key}: the checkpoint lacks '
                           f'{", ".join(absent)} of that layer')
        fused[key] = torch.cat([by_proj[proj] for proj in QKV], dim=0)
    return fused


def convert_renamed(state: StateDict, names: Dict[str, str],
                    group_prefix: str) -> StateDict:
    """Rename ``'{module}.{weight|bias}'`` keys through ``names``.

    Raises:
        KeyError: naming (with ``group_prefix``) a key not covered.
    """
    converted = {}
    for name, tensor in state.items():
        new_name = _rename(name, names)
        if new_name is None:
            raise KeyError(f'unknown key: {group_prefix}{name}')
        converted[new_name] = tensor
    return converted


_GROUP_CONVERTERS: Dict[str, Callable[[StateDict], StateDict]] = {
    'clip.':
    convert_clip,
    'pool_frames.':
    partial(convert_renamed, names=NECK_NAMES, group_prefix='pool_frames.'),
    'stochastic.std_branch.':
    partial(
        convert_renamed,
        names=RADIUS_NAMES,
        group_prefix='stochastic.std_branch.'),
}


def split_groups(state: StateDict) -> Tuple[Dict[str, StateDict], List[str]]:
    """Sort official keys by group prefix, dropping :data:`DROPPED_KEYS`.

    Returns:
        ``({official prefix: {key without prefix: tensor}}, dropped keys)``;
        a group absent from the file is absent from the dict.

    Raises:
        KeyError: naming a key outside every group.
    """
    groups: Dict[str, StateDict] = {}
    dropped = []
    for key, tensor in state.items():
        if key in DROPPED_KEYS:
            dropped.append(key)
            continue
        prefix = next((p for p in GROUPS if key.startswith(p)), None)
        if prefix is None:
            raise KeyError(f'unknown key in the official checkpoint: {key} '
                           f'(expected keys under {", ".join(GROUPS)})')
        groups.setdefault(prefix, {})[key[len(prefix):]] = tensor
    return groups, dropped


def convert_state_dict(state: StateDict) -> Tuple[StateDict, dict]:
    """Convert an official model state dict to a ``TMASSRetriever`` one.

    Args:
        state: the official ``checkpoint['state_dict']``.

    Returns:
        ``(state_dict, report)``; ``report`` has ``groups`` (group name →
        number of official keys converted), ``missing_groups`` and
        ``dropped_keys``.

    Raises:
        KeyError: naming any key this converter does not know.
    """
    groups, dropped = split_groups(state)
    converted: StateDict = {}
    report = dict(groups={}, missing_groups=[], dropped_keys=dropped)
    for prefix, (group, new_prefix) in GROUPS.items():
        if prefix not in groups:
            report['missing_groups'].append(group)
            continue
        part = _GROUP_CONVERTERS[prefix](groups[prefix])
        converted.update({new_prefix + k: v for k, v in part.items()})
        report['groups'][group] = len(groups[prefix])
    return converted, report


def describe_architecture(state: StateDict) -> dict:
    """Sizes of the converted model, read from its tensors.

    Returns a dict with whichever of ``embed_dim``, ``vision`` (``width``,
    ``layers``, ``patch_size``, ``image_size``), ``text`` (``width``,
    ``layers``, ``context_length``, ``vocab_size``) and ``num_frames`` the
    state dict determines; use it to pick the matching config.
    """
    arch = {}
    clip = 'backbone.clip.'
    if f'{clip}visual.conv1.weight' in state:
        conv = state[f'{clip}visual.conv1.weight']
        num_pos = state[f'{clip}visual.positional_embedding'].shape[0]
        grid = round((num_pos - 1)**0.5)
        arch['vision'] = dict(
            width=conv.shape[0],
            patch_size=conv.shape[-1],
            image_size=grid * conv.shape[-1],
            layers=_count_layers(state, f'{clip}visual.transformer.'))
    if f'{clip}token_embedding.weight' in state:
        tokens = state[f'{clip}token_embedding.weight']
        arch['text'] = dict(
            width=tokens.shape[1],
            vocab_size=tokens.shape[0],
            context_length=state[f'{clip}positional_embedding'].shape[0],
            layers=_count_layers(state, f'{clip}transformer.'))
    for key in (f'{clip}text_projection', f'{clip}visual.proj'):
        if key in state:
            arch['embed_dim'] = state[key].shape[1]
    radius = 'head.sampler.radius_module.linear.weight'
    if radius in state:
        arch['embed_dim'], arch['num_frames'] = state[radius].shape
    return arch


def _count_layers(state: StateDict, prefix: str) -> int:
    pattern = re.compile(re.escape(prefix) + r'resblocks\.(\d+)\.')
    indices = {m.group(1) for m in map(pattern.match, state) if m}
    return len(indices)


def load_official_checkpoint(path: str) -> Tuple[StateDict, dict]:
    """Read a public T-MASS checkpoint weights-only
    (:func:`tmass_mm.utils.checkpoint.load_checkpoint_file`).

    Returns:
        ``(state_dict, info)``; ``info`` holds the saved ``epoch`` if any.

    Raises:
        FileNotFoundError, CheckpointError: no file, not a checkpoint, one
            that holds code, or not a dict holding a ``state_dict`` of
            tensors (a bare state dict is accepted too).
    """
    checkpoint = load_checkpoint_file(path)
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{path} holds a {type(checkpoint).__name__}, '
                              f'not a checkpoint dict')
    state = checkpoint.get('state_dict', checkpoint)
    if not (isinstance(state, dict)
            and all(isinstance(v, Tensor) for v in state.values())):
        raise CheckpointError(f'{path} has no state dict of tensors '
                              f'(top-level keys: {sorted(checkpoint)})')
    return state, dict(epoch=checkpoint.get('epoch'))


def convert_official_checkpoint(src: str, dst: str) -> dict:
    """Convert the file ``src`` and save an MMEngine checkpoint at ``dst``.

    ``dst`` holds ``{'meta': {...}, 'state_dict': {...}}`` with plain
    Python values and tensors only, so ``load_from`` / ``load_checkpoint``
    read it under ``weights_only=True``.

    Returns:
        the ``meta`` written: source file and epoch, the conversion report
        (see :func:`convert_state_dict`) and the architecture found.
    """
    state, info = load_official_checkpoint(src)
    converted, report = convert_state_dict(state)
    meta = dict(
        source='official T-MASS checkpoint',
        source_file=osp.basename(src),
        source_epoch=info['epoch'],
        architecture=describe_architecture(converted),
        **report)
    torch.save(dict(meta=meta, state_dict=converted), dst)
    return meta
