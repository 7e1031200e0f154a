"""Temporary names: every file is written beside its final name under a
temporary one and renamed when complete, so a killed run never leaves a
truncated file under a final name."""
import os
import os.path as osp
from typing import List

TEMP_SUFFIX = '.prepare-tmp'


def temp_path_for(path: str) -> str:
    """``dir/.name.<pid>.prepare-tmp`` for ``dir/name`` (hidden, and not a
    video extension, so folder scans skip it)."""
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}.{os.getpid()}{TEMP_SUFFIX}')


def remove_stale_temp_files(dst: str) -> List[str]:
    """Delete what killed runs left under ``dst``; returns the paths.

    Two runs must not write to one destination at the same time.
    """
    removed = []
    for folder, _, files in os.walk(dst):
        for name in files:
            if name.startswith('.') and name.endswith(TEMP_SUFFIX):
                removed.append(osp.join(folder, name))
                os.remove(removed[-1])
    return removed
