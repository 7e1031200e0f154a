"""Failing on every rank of a multi-process run at once.

When one rank refuses a file and the others go on, they wait for it in the
next collective until the process group times out. Every rank therefore
runs the check, then :func:`fail_together` shares the outcome: if any rank
failed, every rank raises (no hang), each with the message.
"""
from typing import Callable, Optional, Tuple, Type, TypeVar

import torch.distributed as torch_dist

from .checkpoint import CheckpointError

T = TypeVar('T')


def _world_size() -> int:
    if torch_dist.is_available() and torch_dist.is_initialized():
        return torch_dist.get_world_size()
    return 1


def _message(error: Optional[BaseException]) -> Optional[str]:
    if error is None:
        return None
    return str(error.args[0]) if error.args else type(error).__name__


def fail_together(error: Optional[BaseException]) -> None:
    """Called by every rank with its own error (or ``None``).

    Raises:
        ``error`` itself on a rank that failed; :class:`CheckpointError`
        with the first failing rank's message on the others.
    """
    messages = [_message(error)]
    if _world_size() > 1:
        messages = [None] * _world_size()
        torch_dist.all_gather_object(messages, _message(error))
    if error is not None:
        raise error
    for rank, message in enumerate(messages):
        if message is not None:
            raise CheckpointError(f'rank {rank}: {message}')


def run_on_every_rank(action: Callable[[], T],
                      errors: Tuple[Type[BaseException], ...]) -> T:
    """``action()`` on this rank; if it raises one of ``errors`` here or on
    any other rank, every rank raises (:func:`fail_together`)."""
    try:
        result = action()
    except errors as err:
        fail_together(err)
    fail_together(None)
    return result
