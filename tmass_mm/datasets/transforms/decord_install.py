"""Importing the ``decord`` module, and recognising a broken install of it.

The project depends on ``decord2``, the maintained fork of decord. Both
distributions install a module named ``decord`` and cannot coexist: pip
does not remove the old ``decord`` (0.6, 2021) when installing the fork,
whichever was installed last owns the shared files, and uninstalling either
afterwards breaks the other. ``import_decord`` returns the module (or
``None`` when it is absent or unusable) and warns once per process, with
the fix, when the old release is present.
"""
import importlib.metadata
import warnings
from types import ModuleType
from typing import Iterable, Optional

FIX = ('run `pip uninstall -y decord decord2` and then '
       '`pip install decord2` (or reinstall this project)')


def old_decord_problem(module_version: Optional[str],
                       distributions: Iterable[str]) -> Optional[str]:
    """What is wrong with the decord install, or ``None`` if nothing.

    Args:
        module_version (str | None): ``decord.__version__``, ``None`` when
            the module cannot be imported or is incomplete.
        distributions (Iterable[str]): which of ``'decord'`` (the old
            release) and ``'decord2'`` pip has installed.

    Returns:
        str | None: one sentence naming the problem and the fix.
    """
    distributions = set(distributions)
    if module_version is not None and module_version.startswith('0.'):
        return (f'the unmaintained decord {module_version} is installed '
                'instead of decord2: it cannot open AV1 videos, which are '
                f'then decoded with PyAV. To fix it, {FIX}.')
    if 'decord' in distributions:
        return ('the old `decord` package is installed beside `decord2` and '
                'shares its `decord` module files (the module is '
                f'{"unusable" if module_version is None else "usable for now"}'
                '); uninstalling either package breaks the other. To fix '
                f'it, {FIX}.')
    if module_version is None and distributions:
        return (f'the `decord` module of {sorted(distributions)} cannot be '
                f'imported; videos are decoded with PyAV. To fix it, {FIX}.')
    return None


def _installed_distributions() -> list:
    found = []
    for name in ('decord', 'decord2'):
        try:
            importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        found.append(name)
    return found


def import_decord() -> Optional[ModuleType]:
    """The ``decord`` module, or ``None`` when it is absent or unusable.

    Warns (``UserWarning``, once per process) when the install is one of
    the broken states described in the module docstring.
    """
    try:
        import decord
    except (ImportError, OSError):  # absent, or a half-removed install
        decord = None
    if decord is not None and not hasattr(decord, 'VideoReader'):
        decord = None  # a folder left behind by an uninstall
    version = None if decord is None else str(
        getattr(decord, '__version__', '?'))
    problem = old_decord_problem(version, _installed_distributions())
    if problem:
        warnings.warn(problem, stacklevel=2)
    return decord
