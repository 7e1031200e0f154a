"""Reading model weights from checkpoint files without running their pickles.

Every file named for evaluation, conversion or ``load_from`` is read with
``torch.load(weights_only=True)`` (docs/reliability.md):

- Converted official checkpoints (``tools/model_converters``) and plain state
  dicts hold only tensors and containers: they load as they are.
- MMEngine's own training checkpoints also pickle the message hub
  (``HistoryBuffer``), numpy arrays and scalars and ``builtins.getattr``,
  which the weights-only unpickler refuses. Allow-listing those globals
  would let a crafted file reach arbitrary code through ``getattr``.
  Instead each of them (:data:`INERT_GLOBALS`) is mapped to an inert
  placeholder (:class:`Placeholder`): it accepts any arguments and state
  and does nothing, so no code of the file runs, while tensors and the
  ``state_dict`` come back exactly. What was replaced is reported.
- A file that refers to any other global (``os.system``, ``exec``, a class
  of some package) holds code, not only tensors: it is refused
  (:class:`CheckpointError`), and nothing in it runs.

Full unpickling is reserved for resuming a run from a checkpoint the run
wrote itself (:mod:`tmass_mm.utils.trusted_checkpoints`).
"""
import io
import os.path as osp
import pickle
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

StateDict = Dict[str, Tensor]

# What MMEngine's Runner pickles besides tensors and containers (message hub,
# numpy values in meta); numpy 1 and 2 module names.
INERT_GLOBALS = frozenset({
    'builtins.bytes',
    'builtins.getattr',
    'mmengine.logging.history_buffer.HistoryBuffer',
    'numpy.dtype',
    'numpy.ndarray',
    'numpy.core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy._core.multiarray._reconstruct',
    'numpy._core.multiarray.scalar',
})
INERT_PREFIXES = ('numpy.dtypes.', )

# torch.save's legacy (pre-1.6) format: a pickle (protocol 2) of this number.
_LEGACY_HEADER = b'\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19'


class CheckpointError(ValueError):
    """A checkpoint file that is not read; the message is one sentence
    naming the file and the reason."""


class Placeholder:
    """Inert stand-in for an object a checkpoint pickled outside tensors.

    Calling, constructing or restoring state on it does nothing; ``origin``
    names the global it replaced.
    """

    origin = '?'

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return type(self)()

    def __setstate__(self, state):
        pass

    def __repr__(self):
        return f'<placeholder for {self.origin}>'


def _placeholders(names: List[str]) -> List[Tuple[type, str]]:
    """One :class:`Placeholder` subclass per refused global name, in the
    ``(object, 'module.name')`` form of ``torch.serialization.safe_globals``.
    """
    return [(type('Placeholder', (Placeholder, ), dict(origin=name)), name)
            for name in names]


def is_inert(name: str) -> bool:
    """Whether the global ``module.name`` may be replaced by a
    placeholder (it is one of MMEngine's or numpy's data objects)."""
    return name in INERT_GLOBALS or name.startswith(INERT_PREFIXES)


def read_checkpoint_bytes(path: str) -> bytes:
    """The bytes of a checkpoint file, checked to be one of ``torch.save``'s
    formats.

    Raises:
        FileNotFoundError: no such file.
        CheckpointError: a file ``torch.save`` did not write (a text file,
            random bytes, an HTML page saved instead of a download).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    with open(path, 'rb') as f:
        data = f.read()
    if not (data.startswith(b'PK') or data.startswith(_LEGACY_HEADER)):
        kind = 'an empty file' if not data else \
            f'a file starting with {data[:8]!r}'
        raise CheckpointError(
            f'{path} is not a checkpoint written by torch.save ({kind}); '
            f'check the path, or download the file again')
    return data


def _torch_reason(err: Exception) -> str:
    """The first line of torch's complaint, without its advice to switch
    off weights-only reading."""
    lines = [
        line for line in str(err).splitlines() if line.strip()
        and 'weights_only' not in line and 'Weights only' not in line
    ]
    return lines[0].strip() if lines else type(err).__name__


def _load_weights_only(data: bytes, path: str, globals_=()) -> object:
    """``torch.load(weights_only=True)`` of ``data`` with extra safe
    globals; damaged files become :class:`CheckpointError`."""
    try:
        with torch.serialization.safe_globals(list(globals_)):
            return torch.load(
                io.BytesIO(data), map_location='cpu', weights_only=True)
    except pickle.UnpicklingError:
        raise
    except Exception as err:  # zip or pickle structure broken
        raise CheckpointError(
            f'{path} is damaged: torch cannot read it '
            f'({_torch_reason(err)}); download or copy it again') from None


def _unsafe_globals(data: bytes, path: str) -> List[str]:
    """Globals of a zip-format checkpoint that weights-only reading
    refuses."""
    try:
        return torch.serialization.get_unsafe_globals_in_checkpoint(
            io.BytesIO(data))
    except Exception:  # the legacy format cannot be inspected
        raise CheckpointError(
            f'{path} holds objects other than tensors in torch\'s legacy '
            f'(pre-1.6) format, which cannot be inspected without running '
            f'them: refusing to load it; re-save its state_dict with '
            f'torch.save') from None


def load_checkpoint_data(data: bytes,
                         path: str,
                         report: Optional[list] = None) -> object:
    """Read checkpoint bytes weights-only (see the module docstring).

    Args:
        data: the file's bytes (:func:`read_checkpoint_bytes`).
        path: the file's name, for messages.
        report: if a list is given, the names of the globals replaced by
            placeholders are appended to it.

    Raises:
        CheckpointError: the file holds code, or is damaged.
    """
    try:
        return _load_weights_only(data, path)
    except pickle.UnpicklingError:
        refused = _unsafe_globals(data, path)
    code = [name for name in refused if not is_inert(name)]
    if code:
        raise CheckpointError(
            f'{path} holds code, not only tensors (it refers to '
            f'{", ".join(code)}): refusing to load it; nothing in it was run')
    try:
        checkpoint = _load_weights_only(data, path, _placeholders(refused))
    except pickle.UnpicklingError as err:
        reason = _torch_reason(err)
        raise CheckpointError(f'{path} cannot be read weights-only '
                              f'({reason}): refusing to load it; nothing in '
                              f'it was run') from None
    if report is not None:
        report.extend(refused)
    return checkpoint


def load_checkpoint_file(path: str, report: Optional[list] = None) -> object:
    """Read a checkpoint file weights-only: :func:`read_checkpoint_bytes`
    then :func:`load_checkpoint_data`.

    Returns:
        Whatever the file holds, MMEngine's non-tensor objects replaced by
        :class:`Placeholder` instances.
    """
    path = str(path)
    return load_checkpoint_data(read_checkpoint_bytes(path), path, report)


def state_dict_of(checkpoint, path: str = 'the checkpoint') -> StateDict:
    """The model weights of a loaded checkpoint.

    Accepts MMEngine's ``{'meta', 'state_dict', ...}`` layout (also the
    converter's) and a bare state dict; drops a DDP ``module.`` prefix.

    Raises:
        CheckpointError: not a dict of tensors.
    """
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f'{path} holds a {type(checkpoint).__name__}, '
                              f'not a checkpoint dict')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: 'state_dict' is a "
                              f'{type(state).__name__}, not a dict of tensors')
    bad = [k for k, v in state.items() if not isinstance(v, Tensor)]
    if bad:
        raise CheckpointError(f'{path}: the state dict holds non-tensor '
                              f'entries, e.g. {bad[:3]}; is this a model '
                              f'checkpoint?')
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return dict(state)


def load_state_dict_file(path: str,
                         report: Optional[list] = None) -> StateDict:
    """Model weights of a checkpoint file: :func:`load_checkpoint_file`
    followed by :func:`state_dict_of`."""
    return state_dict_of(load_checkpoint_file(path, report), str(path))
