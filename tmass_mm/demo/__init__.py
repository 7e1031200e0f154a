"""The bundled demo's data: synthetic moving-shape videos with captions.

Not imported by ``tmass_mm.datasets``: the registry imports it when a
config names ``SyntheticShapesDataset``. :mod:`.shape_scenes` draws and
renders the scenes, :class:`ShapeSplit` writes a split to disk (videos and
a ``VideoTextDataset`` annotation file) and ``SyntheticShapesDataset``
generates a split on first use and reads it back.
"""
from .shape_split import ShapeSplit
from .synthetic_shapes_dataset import SyntheticShapesDataset

__all__ = ['ShapeSplit', 'SyntheticShapesDataset']
