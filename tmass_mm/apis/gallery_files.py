"""Which videos a search gallery holds: a folder, a list of paths or a
dataset config, turned into :class:`GalleryVideo` records."""
import os
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence, Union

from mmengine.registry import init_default_scope

#: file extensions a gallery folder is searched for (lower case)
VIDEO_EXTENSIONS = ('.mp4', '.m4v', '.mov', '.mkv', '.avi', '.webm', '.mpg',
                    '.mpeg', '.wmv', '.flv', '.3gp', '.ts')


class GalleryVideo(NamedTuple):
    """One gallery entry.

    ``key`` names the entry for good (the cache and the scoring noise use
    it): the absolute path, plus ``#t=start,end`` for a clip of a file.
    ``path`` is the file as the caller gave it; ``start``/``end`` are
    seconds or ``None``.
    """
    key: str
    path: str
    start: Optional[float] = None
    end: Optional[float] = None


def video_entry(path: str,
                start: Optional[float] = None,
                end: Optional[float] = None) -> GalleryVideo:
    """The :class:`GalleryVideo` of ``path`` (a clip when times are given)."""
    key = osp.abspath(path)
    if start is not None or end is not None:
        key += f'#t={start},{end}'
    return GalleryVideo(key, path, start, end)


def videos_in_folder(folder: str) -> List[str]:
    """Every file with a :data:`VIDEO_EXTENSIONS` extension under
    ``folder`` (recursively), sorted."""
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(
            osp.join(root, name) for name in sorted(files)
            if osp.splitext(name)[1].lower() in VIDEO_EXTENSIONS)
    return found


def videos_of_dataset(dataset_cfg: dict) -> List[GalleryVideo]:
    """The gallery of a dataset config (``test_mode`` is forced: one entry
    per video, with its optional time window)."""
    from tmass_mm.registry import DATASETS
    init_default_scope('tmass_mm')
    dataset = DATASETS.build(dict(dataset_cfg, test_mode=True))
    return [
        video_entry(info['video_path'], info.get('start_time'),
                    info.get('end_time'))
        for info in (dataset.get_data_info(i) for i in range(len(dataset)))
    ]


def list_gallery(
        gallery: Union[str, Sequence[str], dict]) -> List[GalleryVideo]:
    """The videos of ``gallery``, sorted by key, duplicates refused.

    Args:
        gallery: a folder (searched recursively for video files), a list of
            video paths, or a dataset config (e.g. a ``VideoTextDataset``
            without captions).

    Raises:
        ValueError: the gallery is empty, holds a path twice or is none of
            the three kinds.
    """
    if isinstance(gallery, dict):
        videos = videos_of_dataset(gallery)
        source = f'the {gallery.get("type")} dataset config'
    elif isinstance(gallery, str):
        if not osp.isdir(gallery):
            raise ValueError(f'gallery {gallery!r} is not a folder; give a '
                             f'folder of videos, a list of video paths or '
                             f'a dataset config')
        videos = [video_entry(path) for path in videos_in_folder(gallery)]
        source = f'folder {gallery!r} (extensions {VIDEO_EXTENSIONS})'
    else:
        videos = [video_entry(str(path)) for path in gallery]
        source = 'the list of paths'
    if not videos:
        raise ValueError(f'the gallery is empty: no video in {source}')
    videos.sort(key=lambda video: video.key)
    for previous, video in zip(videos, videos[1:]):
        if previous.key == video.key:
            raise ValueError(f'the gallery lists {video.path!r} twice')
    return videos
