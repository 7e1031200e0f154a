"""Reading CLIP weights from a file, and finding OpenAI's in the local
caches (or downloading them, failing fast offline).

Weights that come from outside the project are loaded with
``torch.load(..., weights_only=True)``; OpenAI's own releases are TorchScript
archives and are read with ``torch.jit.load``, which executes no pickle code.
"""
import hashlib
import os
import os.path as osp
import threading
import urllib.error
import urllib.request
import zipfile
from typing import Callable, Dict, List, NamedTuple, Optional

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


class CLIPWeightsUnavailable(RuntimeError):
    """OpenAI's CLIP weights are neither cached nor downloadable."""


def download_openai_weights(model_name: str) -> str:
    """Path of a local copy of OpenAI's weights for an open_clip model.

    The local caches come first: the Hugging Face hub client's (``HF_HOME``
    / ``HF_HUB_CACHE``), then open_clip's (``~/.cache/clip``, checked
    against the release's SHA-256). Only then open_clip downloads, from the
    hub or OpenAI's URL, whichever answers a quick probe. Offline
    (``HF_HUB_OFFLINE=1``, or neither source answers within
    ``PROBE_TIMEOUT_S``) this raises :class:`CLIPWeightsUnavailable` at once
    naming the files to get, where they are published and where to put them,
    instead of spending a minute in download retries.
    """
    from open_clip.pretrained import download_pretrained, get_pretrained_cfg
    cfg = get_pretrained_cfg(model_name, 'openai')
    if not cfg:
        raise ValueError(f'open_clip has no OpenAI weights for {model_name!r}')
    sources = _weight_sources(cfg)
    for source in sources:
        if source.cached_path():
            return source.cached_path()
    if _hub_offline():
        raise CLIPWeightsUnavailable(
            _unavailable_message(model_name, sources, 'HF_HUB_OFFLINE is set'))
    reachable = [source for source in sources if _answers(source.url)]
    if not reachable:
        raise CLIPWeightsUnavailable(
            _unavailable_message(
                model_name, sources, 'neither source answered within '
                f'{PROBE_TIMEOUT_S:g} s'))
    return download_pretrained(
        cfg, prefer_hf_hub=reachable[0].name == 'Hugging Face')


PROBE_TIMEOUT_S = 5.0


class _Source(NamedTuple):
    """One place that publishes a model's weights."""
    name: str
    url: str  # of the file itself
    file_name: str
    cached_path: Callable[[], Optional[str]]


def _weight_sources(cfg: dict) -> List[_Source]:
    """The hub repository (safetensors) and OpenAI's own release."""
    from huggingface_hub import constants, try_to_load_from_cache
    from open_clip.constants import HF_SAFE_WEIGHTS_NAME
    sources = []
    repo = cfg.get('hf_hub', '').rstrip('/')
    if repo:

        def hub_cache() -> Optional[str]:
            path = try_to_load_from_cache(repo, HF_SAFE_WEIGHTS_NAME)
            return path if isinstance(path, str) else None

        sources.append(
            _Source(
                'Hugging Face', f'{constants.ENDPOINT}/{repo}/resolve/main/'
                f'{HF_SAFE_WEIGHTS_NAME}', HF_SAFE_WEIGHTS_NAME, hub_cache))
    url = cfg.get('url', '')
    if url:
        sources.append(
            _Source('OpenAI', url, osp.basename(url),
                    lambda: _verified_release(url)))
    return sources


def open_clip_cache_dir() -> str:
    """Where open_clip keeps the files it downloads from a URL."""
    return osp.expanduser('~/.cache/clip')


def _verified_release(url: str) -> Optional[str]:
    """open_clip's cached copy of an OpenAI release, if its SHA-256 starts
    with the digest in the URL (as open_clip checks it)."""
    path = osp.join(open_clip_cache_dir(), osp.basename(url))
    if not osp.isfile(path):
        return None
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            digest.update(chunk)
    return path if digest.hexdigest().startswith(url.split('/')[-2]) else None


def _hub_offline() -> bool:
    from huggingface_hub import constants
    return constants.HF_HUB_OFFLINE or os.environ.get(
        'HF_HUB_OFFLINE', '').upper() in ('1', 'ON', 'YES', 'TRUE')


def _answers(url: str) -> bool:
    """Whether the server of ``url`` answers a HEAD request (any HTTP
    status) within ``PROBE_TIMEOUT_S``, DNS look-up included."""
    answered = []

    def probe():
        try:
            request = urllib.request.Request(url, method='HEAD')
            urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S).close()
            answered.append(True)
        except urllib.error.HTTPError:
            answered.append(True)
        except (OSError, ValueError):
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(PROBE_TIMEOUT_S)
    return bool(answered)


def _unavailable_message(model_name: str, sources: List[_Source],
                         why: str) -> str:
    files = '\n'.join(f'  - {source.file_name} ({source.name}): {source.url}'
                      for source in sources)
    return (
        f'CLIP {model_name} OpenAI weights are not in the local caches and '
        f'cannot be downloaded ({why}). Get one of these files:\n{files}\n'
        'then pass it with --cfg-options model.backbone.pretrained=/path/to/'
        f'file, or put the OpenAI .pt file in open_clip\'s cache '
        f'{open_clip_cache_dir()}/ (or fetch the hub file into the '
        'Hugging Face cache with `huggingface-cli download` on a machine '
        'that is online, and copy that cache here).')
