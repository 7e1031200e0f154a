"""The annotation file of ``VideoTextDataset``: parse, check, group clips.

Formats (told apart by the file's suffix):

- ``.json`` / ``.jsonl``: a JSON list, or JSON lines, of objects
  ``{"video": "relative/path.mp4", "caption": "..."}`` or
  ``{"video": ..., "captions": ["...", ...]}``, with optional ``"start"``
  and ``"end"`` (seconds) and ``"split"``;
- ``.csv``: a header with ``video,caption`` and optionally ``start``,
  ``end``, ``split``; one caption a row.

Entries of the same video and window (``start``/``end``) are one clip whose
captions are theirs, in file order. Every error names the file and the line
(JSON lists: the entry and its line).
"""
import math
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Tuple

from .annotation_io import AnnotationError, check_text, read_csv_rows
from .json_records import iter_json_records

JSON_KEYS = ('video', 'caption', 'captions', 'start', 'end', 'split')
CSV_REQUIRED = ('video', 'caption')
CSV_COLUMNS = ('video', 'caption', 'start', 'end', 'split')
SUFFIXES = ('.json', '.jsonl', '.csv')


@dataclass
class Clip:
    """One gallery entry: a video file, or a window of it, with captions."""

    video: str
    start: Optional[float]
    end: Optional[float]
    split: Optional[str]
    where: str  # where it first appears, e.g. 'line 3'
    captions: List[str] = field(default_factory=list)

    @property
    def clip_id(self) -> str:
        """The video path, plus a media fragment ``#t=start,end`` for a
        window."""
        if self.start is None and self.end is None:
            return self.video
        start = '' if self.start is None else f'{self.start:g}'
        end = '' if self.end is None else f',{self.end:g}'
        return f'{self.video}#t={start}{end}'


def read_clips(path: str, captions_required: bool) -> List[Clip]:
    """The clips of ``path`` in order of first appearance.

    With ``captions_required`` every entry needs a caption; otherwise an
    entry may have none (``"captions": []``, no caption key, or an empty
    csv cell) and its clip may end up without captions. Captions that are
    present must be non-blank strings either way.
    """
    suffix = osp.splitext(path)[1].lower()
    if suffix == '.csv':
        entries = _csv_entries(path, captions_required)
    elif suffix in ('.json', '.jsonl'):
        entries = _json_entries(path, captions_required)
    else:
        raise AnnotationError(
            path, 'file name', f'cannot tell the format from the suffix '
            f'{suffix!r}; use one of {SUFFIXES}')
    clips: Dict[Tuple, Clip] = {}
    for where, entry in entries:
        key = (entry['video'], entry['start'], entry['end'])
        clip = clips.get(key)
        if clip is None:
            clip = clips[key] = Clip(
                entry['video'],
                entry['start'],
                entry['end'],
                entry['split'],
                where=where)
        elif clip.split != entry['split']:
            raise AnnotationError(
                path, where, f'split {entry["split"]!r} differs from '
                f'split {clip.split!r} given to the same clip at '
                f'{clip.where}')
        clip.captions.extend(entry['captions'])
    return list(clips.values())


def _json_entries(path: str,
                  captions_required: bool) -> Iterator[Tuple[str, dict]]:
    for where, entry in iter_json_records(path):
        if not isinstance(entry, dict):
            raise AnnotationError(
                path, where, f'expected an object with "video" and "caption"'
                f' or "captions", got {entry!r:.60}')
        unknown = [key for key in entry if key not in JSON_KEYS]
        if unknown:
            raise AnnotationError(
                path, where,
                f'unknown key(s) {unknown}; the keys are {list(JSON_KEYS)}')
        if 'caption' in entry and 'captions' in entry:
            raise AnnotationError(path, where,
                                  'give "caption" or "captions", not both')
        if 'captions' in entry:
            captions = entry['captions']
            if not isinstance(captions, list):
                raise AnnotationError(
                    path, where, '"captions" must be a list of strings, got '
                    f'{type(captions).__name__} {captions!r:.60}')
        else:
            captions = [entry['caption']] if 'caption' in entry else []
        yield where, _entry(path, where, entry.get('video'), captions,
                            entry.get('start'), entry.get('end'),
                            entry.get('split'), captions_required)


def _csv_entries(path: str,
                 captions_required: bool) -> Iterator[Tuple[str, dict]]:
    rows = read_csv_rows(path, CSV_REQUIRED)
    for line_number, row in rows:
        unknown = [name for name in row if name not in CSV_COLUMNS]
        if unknown:
            raise AnnotationError(
                path, 'line 1', f'unknown column(s) {unknown}; the columns '
                f'are {list(CSV_COLUMNS)}')
        where = f'line {line_number}'
        caption = row['caption']
        captions = [caption] if captions_required or caption.strip() else []
        times = [
            _csv_number(path, where, name,
                        row.get(name) or '') for name in ('start', 'end')
        ]
        yield where, _entry(path, where, row['video'], captions, *times,
                            row.get('split') or None, captions_required)


def _csv_number(path: str, where: str, name: str,
                text: str) -> Optional[float]:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise AnnotationError(path, where,
                              f'{name} {text!r} is not a number of '
                              'seconds') from None


def _entry(path: str, where: str, video: Any, captions: List[Any], start: Any,
           end: Any, split: Any, captions_required: bool) -> dict:
    """Check the fields of one entry; return them normalised."""
    video = check_text(video, path, where, 'video path')
    for k, caption in enumerate(captions):
        check_text(caption, path,
                   where if len(captions) == 1 else f'{where}, captions[{k}]',
                   'caption')
    if captions_required and not captions:
        raise AnnotationError(
            path, where, f'video {video!r} has no caption; every entry needs '
            'one, unless the dataset is a search-only gallery '
            "(captions='optional')")
    start, end = (_seconds(path, where, name, value)
                  for name, value in (('start', start), ('end', end)))
    if start is not None and end is not None and end <= start:
        raise AnnotationError(path, where,
                              f'end {end:g} s is not after start {start:g} s')
    if split is not None:
        split = check_text(split, path, where, 'split')
    return dict(
        video=video, captions=captions, start=start, end=end, split=split)


def _seconds(path: str, where: str, name: str, value: Any) -> Optional[float]:
    if value is None:
        return None
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value < 0):
        raise AnnotationError(
            path, where, f'{name} must be a non-negative number of seconds, '
            f'got {value!r:.40}')
    return float(value)
