"""Encoding gallery videos into frame features with a model's test
pipeline, in batches, reporting the videos that cannot be read."""
import sys
from typing import List, NamedTuple, Sequence, Tuple

import torch
from mmengine.dataset import Compose
from mmengine.utils import ProgressBar
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from .gallery_files import GalleryVideo

#: what a pipeline raises for a video it cannot use: missing or undecodable
#: files (``VideoReadError`` is a ``RuntimeError``), bad frames or windows
READ_ERRORS = (OSError, RuntimeError, ValueError)


class EncodedVideos(NamedTuple):
    """Result of :func:`encode_videos`.

    ``frames`` ``[N, F, D]`` float16 holds the videos of ``ok``
    (indices into the input list, ascending); ``failed`` pairs each
    unreadable video with the reason.
    """
    frames: Tensor
    ok: List[int]
    failed: List[Tuple[GalleryVideo, str]]


class _GalleryClips(Dataset):
    """The test pipeline's output for each video; ``(index, packed or
    None, error or None)``. The pipeline needs a caption: an empty one
    is given and its tokens ignored."""

    def __init__(self, videos: Sequence[GalleryVideo], pipeline: Compose):
        self.videos = videos
        self.pipeline = pipeline

    def __len__(self) -> int:
        return len(self.videos)

    def __getitem__(self, index: int):
        video = self.videos[index]
        results = dict(
            video_path=video.path,
            video_id=video.key,
            video_index=index,
            texts=[''],
            text_indices=[0])
        if video.start is not None:
            results['start_time'] = video.start
        if video.end is not None:
            results['end_time'] = video.end
        try:
            packed = self.pipeline(results)
        except READ_ERRORS as err:
            return index, None, f'{type(err).__name__}: {err}'
        if packed is None:
            return index, None, 'the pipeline dropped it (on_error="skip")'
        return index, packed, None


@torch.no_grad()
def encode_videos(model,
                  pipeline: Compose,
                  videos: Sequence[GalleryVideo],
                  batch_size: int = 8,
                  num_workers: int = 0,
                  progress: bool = True) -> EncodedVideos:
    """Frame features of ``videos``.

    Args:
        model: a ``TMASSRetriever`` (its data preprocessor and backbone).
        pipeline: the test pipeline (decoding, frame ops, packing).
        videos: what to encode.
        batch_size: videos per backbone call.
        num_workers: decoding processes (0: in this process).
        progress: show a progress bar on stderr.
    """
    loader = DataLoader(
        _GalleryClips(videos, pipeline),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=list)
    bar = ProgressBar(len(videos), file=sys.stderr) if progress else None
    parts, ok, failed = [], [], []
    for batch in loader:
        packed = [item for item in batch if item[1] is not None]
        failed.extend(
            (videos[index], error) for index, _, error in batch if error)
        if packed:
            parts.append(_encode_batch(model, [item[1] for item in packed]))
            ok.extend(index for index, _, _ in packed)
        if bar is not None:
            for _ in batch:
                bar.update()
    if bar is not None:
        sys.stderr.write('\n')
    frames = torch.cat(parts) if parts else torch.empty(0, dtype=torch.half)
    return EncodedVideos(frames, ok, failed)


def _encode_batch(model, packed: List[dict]) -> Tensor:
    """``[B, F, D]`` float16 frame features of packed pipeline outputs."""
    data = model.data_preprocessor(
        dict(
            inputs=dict(
                imgs=[item['inputs']['imgs'] for item in packed],
                texts=[item['inputs']['texts'] for item in packed])))
    feats = model.backbone.encode_video(data['inputs']['imgs'])
    return feats.float().cpu().half()
