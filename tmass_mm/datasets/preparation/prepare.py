"""Preparing a folder of videos: plan, encode in parallel, verify, record."""
import multiprocessing
import os
import os.path as osp
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple

from mmengine.utils import ProgressBar

from .encode_settings import EncodeSettings, PreparationError
from .manifest import (is_up_to_date, load_manifest, save_failures,
                       save_manifest)
from .temp_files import remove_stale_temp_files, temp_path_for
from .transcode import transcode
from .verification import verify_output
from .video_files import check_folders, find_videos, plan_outputs
from .video_stats import VideoStats

# a killed run loses at most this much finished work from the manifest
SAVE_INTERVAL_S = 30.0


@dataclass(frozen=True)
class PreparationReport:
    """What a run did; sources are paths relative to the source folder.

    Attributes:
        prepared (list[str]): encoded and verified in this run.
        skipped (list[str]): their outputs were up to date.
        failures (dict[str, str]): source -> why it has no output.
        removed_temp_files (list[str]): left by killed runs, deleted.
        manifest_path, failures_path (str): the JSON files written.
    """
    prepared: List[str]
    skipped: List[str]
    failures: Dict[str, str]
    removed_temp_files: List[str]
    manifest_path: str
    failures_path: str


@dataclass(frozen=True)
class _Job:
    source: str
    source_path: str
    output: str
    output_path: str
    settings: EncodeSettings
    verify_backend: str


def prepare_one(source_path: str, output_path: str, settings: EncodeSettings,
                verify_backend: str) -> Tuple[VideoStats, VideoStats]:
    """Encode ``source_path`` under a temporary name, verify it, then rename
    it to ``output_path``; the temporary file never outlives the call.

    Returns:
        tuple[VideoStats, VideoStats]: of the source and of the output.
    """
    os.makedirs(osp.dirname(output_path), exist_ok=True)
    temp = temp_path_for(output_path)
    try:
        source_stats, writer = transcode(source_path, temp, settings)
        output_stats = verify_output(temp, writer.frames_written, writer.size,
                                     writer.rate, verify_backend)
        os.replace(temp, output_path)
    finally:
        if osp.exists(temp):
            os.remove(temp)
    return source_stats, output_stats


def _run(job: _Job) -> Tuple[str, Optional[dict], Optional[str]]:
    """``(source, manifest entry, None)`` or ``(source, None, error)``."""
    # taken before reading: a source changed meanwhile is redone next run
    mtime_ns = os.stat(job.source_path).st_mtime_ns
    try:
        source_stats, output_stats = prepare_one(job.source_path,
                                                 job.output_path, job.settings,
                                                 job.verify_backend)
    except Exception as err:  # one bad video must not stop the others
        reason = (
            str(err) if isinstance(err, PreparationError) else
            f'{type(err).__name__}: {err}')
        return job.source, None, reason
    entry = dict(
        source=dict(
            path=job.source, **source_stats.as_dict(), mtime_ns=mtime_ns),
        output=dict(path=job.output, **output_stats.as_dict()),
        settings=job.settings.as_dict())
    return job.source, entry, None


def _results(jobs: List[_Job], workers: int) -> Iterator[tuple]:
    """``_run`` of every job, in this process or in ``workers`` processes
    (in completion order)."""
    if workers == 1:
        yield from map(_run, jobs)
        return
    # fresh interpreters: a forked copy of a process whose codec (or torch)
    # threads hold locks can deadlock inside the encoder
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context('spawn'))
    try:
        futures = {pool.submit(_run, job): job.source for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except Exception as err:  # e.g. a decoder crashed the worker
                yield futures[future], None, f'the worker failed: {err!r}'
    finally:
        pool.shutdown(cancel_futures=True)


def prepare_videos(src: str,
                   dst: str,
                   settings: Optional[EncodeSettings] = None,
                   workers: int = 1,
                   verify_backend: str = 'auto',
                   progress: bool = True) -> PreparationReport:
    """Re-encode every video under ``src`` into ``dst``.

    ``src/sub/clip.avi`` becomes ``dst/sub/clip.mp4``. Sources whose
    outputs are up to date (same settings, unchanged source, output of the
    recorded size) are skipped. Every other source is encoded, verified
    with ``LoadVideoFrames(backend=verify_backend)`` and renamed into
    place; a source that fails is recorded with its reason and the others
    go on. ``src`` is only read.

    Args:
        src (str): folder of source videos (searched recursively).
        dst (str): output folder, neither ``src`` nor inside it.
        settings (EncodeSettings, optional): defaults to 3 fps, short side
            224, crf 23, preset medium, every frame a key frame.
        workers (int): processes encoding in parallel.
        verify_backend (str): ``'auto'`` (what training uses),
            ``'decord'`` or ``'pyav'``.
        progress (bool): show a progress bar.

    Returns:
        PreparationReport: the manifest and the failures report are also
        written to ``dst`` (see ``manifest.py`` for their format).
    """
    settings = settings or EncodeSettings()
    if workers < 1:
        raise ValueError(f'workers must be >= 1, got {workers}')
    src, dst = check_folders(src, dst)
    os.makedirs(dst, exist_ok=True)
    removed = remove_stale_temp_files(dst)
    outputs, failures = plan_outputs(find_videos(src))
    previous = load_manifest(dst)
    entries = {s: previous[s] for s in outputs if s in previous}
    skipped, jobs = [], []
    for source, output in outputs.items():
        job = _Job(source, osp.join(src, source), output,
                   osp.join(dst, output), settings, verify_backend)
        if source in entries and is_up_to_date(
                entries[source], settings.as_dict(), job.source_path,
                job.output_path):
            skipped.append(source)
        else:
            jobs.append(job)
    prepared = []
    bar = ProgressBar(len(jobs)) if progress and jobs else None
    last_save = time.monotonic()
    for source, entry, error in _results(jobs, workers):
        if error is None:
            entries[source] = entry
            prepared.append(source)
        else:
            entries.pop(source, None)
            failures[source] = error
        if bar is not None:
            bar.update()
        if time.monotonic() - last_save > SAVE_INTERVAL_S:
            save_manifest(dst, entries)
            last_save = time.monotonic()
    if bar is not None:
        print()
    return PreparationReport(
        prepared=sorted(prepared),
        skipped=skipped,
        failures=failures,
        removed_temp_files=removed,
        manifest_path=save_manifest(dst, entries),
        failures_path=save_failures(dst, failures))
