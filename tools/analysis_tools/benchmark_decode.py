"""Decode + transform throughput: decord vs PyAV vs OpenCV per-frame seeking.

Each approach turns a video into 12 uniformly sampled frames at 224 x 224
(shorter side resized bicubic, centre crop), on the same files:

- ``decord``: ``LoadVideoFrames(backend='decord')`` (frame-accurate batch);
- ``pyav``: ``LoadVideoFrames(backend='pyav')`` (sequential decode);
- ``opencv-seek``: ``cv2.VideoCapture`` with ``set(CAP_PROP_POS_FRAMES, i)``
  then ``read()`` per frame, as the public T-MASS / X-Pool code does.

Without ``--video-dir`` it writes ``--num-videos`` synthetic mp4 files
(``--codec``, H.264 by default; textured moving content) to a temporary
folder first. The
last column is the mean absolute pixel difference of each approach's frames
from decord's, a check that they decode the same frames.

Example::

    python tools/analysis_tools/benchmark_decode.py --num-videos 8 \\
        --seconds 10 --fps 30 --width 480 --height 360
"""
import argparse
import glob
import os.path as osp
import tempfile
import time

import av
import cv2
import numpy as np

from tmass_mm.datasets.transforms import (CenterCropFrames, LoadVideoFrames,
                                          ResizeShortSide)
from tmass_mm.datasets.transforms.frame_sampling import sample_frame_indices


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--video-dir',
        help='benchmark these *.mp4 files '
        'instead of generated ones')
    parser.add_argument('--num-videos', type=int, default=8)
    parser.add_argument('--seconds', type=float, default=10.0)
    parser.add_argument('--fps', type=float, default=30.0)
    parser.add_argument('--width', type=int, default=480)
    parser.add_argument('--height', type=int, default=360)
    parser.add_argument(
        '--codec',
        default='libx264',
        help="encoder of the generated files: 'libx264' "
        "(H.264 with B-frames, like most benchmark copies) "
        "or 'mpeg4'")
    parser.add_argument('--num-frames', type=int, default=12)
    parser.add_argument('--size', type=int, default=224)
    parser.add_argument(
        '--repeats',
        type=int,
        default=2,
        help='passes over the files per approach')
    return parser.parse_args()


def write_videos(folder, args):
    """Synthetic videos: a drifting blurred-noise texture and a moving bar."""
    rng = np.random.default_rng(0)
    num_frames = int(args.seconds * args.fps)
    paths = []
    for v in range(args.num_videos):
        path = osp.join(folder, f'synthetic_{v:03d}.mp4')
        texture = cv2.GaussianBlur(
            rng.integers(0, 256, (args.height, 2 * args.width, 3), np.uint8),
            (9, 9), 3)
        with av.open(path, 'w') as container:
            stream = container.add_stream(args.codec, rate=round(args.fps))
            stream.width, stream.height = args.width, args.height
            stream.pix_fmt = 'yuv420p'
            for i in range(num_frames):
                shift = (i * 2) % args.width
                frame = texture[:, shift:shift + args.width].copy()
                frame[:, (i * 7) % args.width:][:, :20] = (255, 20 * v, 0)
                container.mux(
                    stream.encode(
                        av.VideoFrame.from_ndarray(frame, format='rgb24')))
            container.mux(stream.encode(None))
        paths.append(path)
    return paths


class OpenCVSeekLoader:
    """Per-frame seeking with OpenCV, the approach of the public T-MASS code
    (its own frame choice aside: the same uniform indices are used here)."""

    def __init__(self, num_frames):
        self.num_frames = num_frames

    def __call__(self, results):
        cap = cv2.VideoCapture(results['video_path'], cv2.CAP_FFMPEG,
                               [cv2.CAP_PROP_N_THREADS, 1])
        total = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        frames = []
        for index in sample_frame_indices(total, self.num_frames):
            cap.set(cv2.CAP_PROP_POS_FRAMES, int(index))
            ok, frame = cap.read()
            if not ok:
                raise RuntimeError(f'OpenCV could not read frame {index} of '
                                   f'{results["video_path"]}')
            frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
        cap.release()
        results['imgs'] = np.stack(frames)
        return results


def run(loader, paths, args):
    """Seconds per pass and the frames of the last pass."""
    resize = ResizeShortSide(args.size, interpolation='bicubic')
    crop = CenterCropFrames(args.size)
    outputs = []
    start = time.perf_counter()
    for _ in range(args.repeats):
        outputs = [
            crop(resize(loader(dict(video_path=path))))['imgs']
            for path in paths
        ]
    return (time.perf_counter() - start) / args.repeats, outputs


def main():
    args = parse_args()
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        if args.video_dir:
            paths = sorted(glob.glob(osp.join(args.video_dir, '*.mp4')))
        else:
            paths = write_videos(tmp, args)
        loaders = {
            'decord': LoadVideoFrames(args.num_frames, backend='decord'),
            'pyav': LoadVideoFrames(args.num_frames, backend='pyav'),
            'opencv-seek': OpenCVSeekLoader(args.num_frames),
        }
        print(f'{len(paths)} videos, {args.num_frames} frames at '
              f'{args.size} px, {args.repeats} passes, 1 decoder thread' +
              ('' if args.video_dir else
               f'; generated {args.codec} {args.width}x{args.height}, '
               f'{args.seconds:g} s at {args.fps:g} fps'))
        print(f'{"approach":<12} {"videos/s":>9} {"ms/video":>9} '
              f'{"|diff| vs decord":>17}')
        reference = None
        for name, loader in loaders.items():
            seconds, outputs = run(loader, paths, args)
            reference = outputs if reference is None else reference
            diff = np.mean([
                np.abs(a.astype(np.int16) - b).mean()
                for a, b in zip(outputs, reference)
            ])
            print(f'{name:<12} {len(paths) / seconds:>9.2f} '
                  f'{1000 * seconds / len(paths):>9.1f} {diff:>17.2f}')


if __name__ == '__main__':
    main()
