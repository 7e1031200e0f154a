"""Reading CLIP weights from a file or from open_clip's download cache.

Weights that come from outside the project are loaded with
``torch.load(..., weights_only=True)``; OpenAI's own releases are TorchScript
archives and are read with ``torch.jit.load``, which executes no pickle code.
"""
import os.path as osp
import zipfile
from typing import Dict

import torch

# Entries of OpenAI's state dicts that are not parameters.
_OPENAI_META_KEYS = ('input_resolution', 'context_length', 'vocab_size')


def read_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """Load a CLIP state dict saved in any of the usual layouts.

    Accepts an OpenAI TorchScript archive, a ``.safetensors`` file, a plain
    state dict, or a dict holding one under ``'state_dict'``. Keys are
    returned in open_clip's layout (a ``module.`` prefix is removed, OpenAI's
    meta entries are dropped).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'CLIP checkpoint not found: {path}')
    if path.endswith('.safetensors'):
        from safetensors.torch import load_file
        state = load_file(path, device='cpu')
    elif _is_torchscript_archive(path):
        state = torch.jit.load(path, map_location='cpu').state_dict()
    else:
        state = torch.load(path, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state:
        state = state['state_dict']
    if not isinstance(state, dict):
        raise TypeError(f'{path} does not hold a state dict '
                        f'(found {type(state).__name__})')
    return {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state.items() if k not in _OPENAI_META_KEYS
    }


def _is_torchscript_archive(path: str) -> bool:
    """TorchScript archives are zips holding compiled ``code/``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any('/code/' in name for name in archive.namelist())


def download_openai_weights(model_name: str) -> str:
    """Path of open_clip's cached copy of OpenAI's weights for a model.

    Downloads on first use (needs internet access).
    """
    from open_clip.pretrained import download_pretrained, get_pretrained_cfg
    cfg = get_pretrained_cfg(model_name, 'openai')
    if not cfg:
        raise ValueError(f'open_clip has no OpenAI weights for {model_name!r}')
    path = download_pretrained(cfg)
    if not path:
        raise RuntimeError(f'could not download OpenAI weights for '
                           f'{model_name!r}')
    return path
