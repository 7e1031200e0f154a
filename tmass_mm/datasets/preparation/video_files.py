"""Which files of the source folder are videos, and where their outputs go."""
import os
import os.path as osp
from typing import Dict, List, Tuple

# lower case, without the dot
VIDEO_EXTENSIONS = frozenset({
    '3g2', '3gp', 'asf', 'avi', 'divx', 'f4v', 'flv', 'm2ts', 'm4v', 'mkv',
    'mov', 'mp4', 'mpeg', 'mpg', 'mts', 'mxf', 'ogv', 'ts', 'vob', 'webm',
    'wmv'
})


def check_folders(src: str, dst: str) -> Tuple[str, str]:
    """Absolute, symlink-resolved ``(src, dst)``; refuses a missing ``src``
    and folders that contain each other (outputs must never land in the
    source folder, and the destination's clean-up must never walk it)."""
    src_real, dst_real = osp.realpath(src), osp.realpath(dst)
    if not osp.isdir(src_real):
        raise ValueError(f'source folder not found: {src!r}')
    if dst_real == src_real:
        raise ValueError(f'the destination {dst!r} is the source folder; '
                         'choose another folder')
    if osp.commonpath([src_real, dst_real]) == src_real:
        raise ValueError(f'the destination {dst!r} is inside the source '
                         f'folder {src!r}; choose a folder outside it')
    if osp.commonpath([src_real, dst_real]) == dst_real:
        raise ValueError(f'the source folder {src!r} is inside the '
                         f'destination {dst!r}; choose a destination '
                         'outside it')
    return src_real, dst_real


def find_videos(src: str) -> List[str]:
    """Relative POSIX paths of the videos under ``src``, sorted.

    A video is a file whose extension (any case) is in
    ``VIDEO_EXTENSIONS``; hidden files and folders (names starting with
    ``.``, e.g. macOS ``._*`` resource forks) are left out.
    """
    videos = []
    for folder, subfolders, files in os.walk(src):
        subfolders[:] = [d for d in subfolders if not d.startswith('.')]
        for name in files:
            ext = osp.splitext(name)[1][1:].lower()
            if not name.startswith('.') and ext in VIDEO_EXTENSIONS:
                rel = osp.relpath(osp.join(folder, name), src)
                videos.append(rel.replace(os.sep, '/'))
    return sorted(videos)


def output_name(source: str) -> str:
    """``sub/clip.AVI`` -> ``sub/clip.mp4``."""
    return osp.splitext(source)[0] + '.mp4'


def plan_outputs(sources: List[str]) -> Tuple[Dict[str, str], Dict[str, str]]:
    """Output path of each source, and the sources that cannot have one.

    Sources whose outputs would share a name (``a.avi`` and ``a.mp4``, or
    names differing only in case, which clash on case-insensitive file
    systems) are all refused, so that no output depends on the order of
    processing.

    Returns:
        tuple[dict, dict]: ``{source: output}`` and ``{source: reason}``.
    """
    by_output: Dict[str, List[str]] = {}
    for source in sources:
        by_output.setdefault(output_name(source).lower(), []).append(source)
    outputs, refused = {}, {}
    for group in by_output.values():
        if len(group) == 1:
            outputs[group[0]] = output_name(group[0])
            continue
        for source in group:
            others = ', '.join(s for s in group if s != source)
            refused[source] = (
                f'its output {output_name(source)!r} would clash with the '
                f'output of {others}; rename one of them')
    return outputs, refused
