"""T-MASS text-video retrieval as an MMEngine plugin.

Importing the package creates the ``tmass_mm`` registries (so a host
project's ``custom_imports=dict(imports=['tmass_mm'])`` is enough to build
``type='tmass_mm.X'``); the modules themselves load on first use.
"""
from . import registry  # noqa: F401
from .version import __version__

__all__ = ['__version__']
