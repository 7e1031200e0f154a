"""Validation of string options."""
from typing import Sequence


def check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    """Raise ``ValueError('unknown <name> <value>; choose one of ...')``
    unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f'unknown {name} {value!r}; choose one of '
                         f'{tuple(choices)}')
