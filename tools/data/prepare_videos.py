"""Re-encode a folder of videos to H.264 mp4 at a constant, low frame rate.

Every video under SRC (recursively) becomes DST/<same relative path>.mp4:
3 fps and a short side of 224 by default, audio dropped. Each output is
decoded with the training loader before it is renamed into place. DST gets
``prepare_manifest.json`` (source and output statistics, settings) and
``prepare_failures.json`` (each source without output and why). A re-run
skips outputs made with the same settings from unchanged sources. The exit
status is 1 when any source failed (after all others were done), 2 for
bad arguments.

Example::

    python tools/data/prepare_videos.py data/msrvtt/videos \\
        data/msrvtt/videos_3fps --workers 8
"""
import argparse
import sys

from tmass_mm.datasets.preparation import EncodeSettings, prepare_videos
from tmass_mm.datasets.preparation.encode_settings import (X264_PRESETS,
                                                           X264_TUNES)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n', 2)[2])
    parser.add_argument('src', help='folder of source videos (read only)')
    parser.add_argument(
        'dst', help='output folder; not SRC, not inside SRC, not around it')
    parser.add_argument(
        '--fps',
        type=float,
        default=3.0,
        help='output frame rate; 0 keeps the source rate (default: 3)')
    parser.add_argument(
        '--short-side',
        type=int,
        default=224,
        help='shorter side of the output, even; larger sources are scaled '
        'down, smaller ones kept; 0 keeps every size (default: 224)')
    parser.add_argument(
        '--crf',
        type=int,
        default=23,
        help='libx264 constant rate factor, 0-51 (default: 23)')
    parser.add_argument(
        '--preset',
        default='medium',
        choices=X264_PRESETS,
        help='libx264 preset (default: medium)')
    parser.add_argument(
        '--tune',
        default='fastdecode',
        choices=X264_TUNES,
        help="libx264 tuning; 'fastdecode' halves decoding time for ~10 %% "
        "more bytes, 'none' is FFmpeg's default (default: fastdecode)")
    parser.add_argument(
        '--keyint',
        type=int,
        default=1,
        help='frames from one key frame to the next; 1 makes every frame a '
        'key frame, so that training decodes only the sampled frames; 0 is '
        "x264's default (250), for smaller files (default: 1)")
    parser.add_argument(
        '--workers',
        type=int,
        default=1,
        help='videos encoded in parallel, one process each (default: 1)')
    parser.add_argument(
        '--verify-backend',
        default='auto',
        choices=('auto', 'decord', 'pyav'),
        help="LoadVideoFrames backend that checks each output "
        "(default: auto, as in training)")
    parser.add_argument(
        '--no-progress', action='store_true', help='hide the progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        settings = EncodeSettings(
            fps=args.fps,
            short_side=args.short_side,
            crf=args.crf,
            preset=args.preset,
            tune=args.tune,
            keyint=args.keyint)
        report = prepare_videos(
            args.src,
            args.dst,
            settings,
            workers=args.workers,
            verify_backend=args.verify_backend,
            progress=not args.no_progress)
    except ValueError as err:
        print(f'prepare_videos.py: error: {err}', file=sys.stderr)
        return 2
    if report.removed_temp_files:
        print(f'removed {len(report.removed_temp_files)} temporary files '
              'left by an interrupted run')
    print(f'prepared {len(report.prepared)}, up to date '
          f'{len(report.skipped)}, failed {len(report.failures)}; '
          f'manifest: {report.manifest_path}')
    if report.failures:
        for source, reason in sorted(report.failures.items()):
            print(f'FAILED {source}: {reason}', file=sys.stderr)
        print(f'failures: {report.failures_path}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
