"""Reading model weights from checkpoint files without running their pickles.

Policy (see docs/faq.md, "Checkpoints and torch >= 2.6"): every file is
read with ``torch.load(weights_only=True)``.

- Converted official checkpoints (``tools/model_converters``) and plain state
  dicts hold only tensors and containers: they load as they are.
- MMEngine's own training checkpoints also pickle the message hub
  (``HistoryBuffer``), numpy scalars and ``builtins.getattr``, which the
  weights-only unpickler refuses. Allow-listing those globals would let a
  crafted file reach arbitrary code through ``getattr``. Instead every global
  the weights-only unpickler refuses is mapped to an inert placeholder
  (:class:`Placeholder`): it accepts any arguments and state and does
  nothing, so no code of the file runs, while tensors and the ``state_dict``
  come back exactly. Whatever was replaced is reported; a ``state_dict``
  that is not all tensors is an error.
- ``trusted=True`` is a plain ``torch.load(weights_only=False)``, for files
  this machine wrote itself when the non-tensor objects are really needed
  (e.g. resuming the message hub). Analysis tools never need it.
"""
import pickle
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

StateDict = Dict[str, Tensor]


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


def load_checkpoint_file(path: str,
                         trusted: bool = False,
                         report: Optional[list] = None) -> dict:
    """Read a checkpoint file (see the module docstring for the policy).

    Args:
        path: a ``torch.save`` file.
        trusted: unpickle everything (``weights_only=False``); only for
            files this machine wrote.
        report: if a list is given, the names of the globals replaced by
            placeholders are appended to it.

    Returns:
        Whatever the file holds, non-tensor objects possibly replaced by
        :class:`Placeholder` instances.
    """
    if trusted:
        return torch.load(path, map_location='cpu', weights_only=False)
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        try:
            refused = torch.serialization.get_unsafe_globals_in_checkpoint(
                path)
        except Exception:  # e.g. the legacy (non-zip) torch format
            raise pickle.UnpicklingError(
                f'{path} cannot be read with weights_only=True and is not in '
                f'the zip format that lets its non-tensor objects be '
                f'replaced; re-save it with a current torch') from err
        if not refused:
            raise
    try:
        with torch.serialization.safe_globals(_placeholders(refused)):
            checkpoint = torch.load(
                path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise pickle.UnpicklingError(
            f'{path} refers to {", ".join(refused)}; some of these cannot '
            f'even be replaced by placeholders (torch blocks their modules), '
            f'so the file is not read. Nothing in it was run. A file this '
            f'machine wrote itself can be read with trusted=True.') from err
    if report is not None:
        report.extend(refused)
    return checkpoint


def state_dict_of(checkpoint, path: str = 'the checkpoint') -> StateDict:
    """The model weights of a loaded checkpoint.

    Accepts MMEngine's ``{'meta', 'state_dict', ...}`` layout (also the
    converter's) and a bare state dict; drops a DDP ``module.`` prefix.
    """
    if not isinstance(checkpoint, dict):
        raise TypeError(f'{path} holds a {type(checkpoint).__name__}, not a '
                        f'checkpoint dict')
    state = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state, dict):
        raise TypeError(f"{path}: 'state_dict' is a "
                        f'{type(state).__name__}, not a dict of tensors')
    bad = [k for k, v in state.items() if not isinstance(v, Tensor)]
    if bad:
        raise TypeError(f'{path}: the state dict holds non-tensor entries, '
                        f'e.g. {bad[:3]}; is this a model checkpoint?')
    if state and all(k.startswith('module.') for k in state):
        state = {k[len('module.'):]: v for k, v in state.items()}
    return dict(state)


def load_state_dict_file(path: str,
                         trusted: bool = False,
                         report: Optional[list] = None) -> StateDict:
    """Model weights of a checkpoint file: :func:`load_checkpoint_file`
    followed by :func:`state_dict_of`."""
    return state_dict_of(load_checkpoint_file(path, trusted, report), path)
