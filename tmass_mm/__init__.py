"""T-MASS text-video retrieval as an MMEngine plugin."""
from .version import __version__

__all__ = ['__version__']
