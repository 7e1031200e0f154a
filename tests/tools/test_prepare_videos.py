"""tools/data/prepare_videos.py and tmass_mm.datasets.preparation on
generated videos whose frame i is the gray level GRAY_STEP * i."""
import importlib.util
import json
import math
import os
import shutil
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from tmass_mm.datasets.preparation import (FAILURES_NAME, MANIFEST_NAME,
                                           EncodeSettings)
from tmass_mm.datasets.preparation import prepare as prepare_module
from tmass_mm.datasets.preparation import prepare_videos
from tmass_mm.datasets.preparation.constant_rate import (constant_rate_frames,
                                                         nearest_slot)
from tmass_mm.datasets.preparation.temp_files import TEMP_SUFFIX, temp_path_for
from tmass_mm.datasets.preparation.transcode import H264Writer
from tmass_mm.datasets.transforms import LoadVideoFrames
from tmass_mm.datasets.transforms.video_readers import PyAVReader

REPO = Path(__file__).resolve().parents[2]
GRAY_STEP = 5
SOURCE_FPS = 25
SOURCE_FRAMES = 50  # 2 s


def write_gray_video(path: Path, width: int, height: int) -> Path:
    """2 s at 25 fps, H.264; frame i is gray GRAY_STEP * i."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), 'w') as container:
        stream = container.add_stream('libx264', rate=SOURCE_FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = 'yuv420p'
        for i in range(SOURCE_FRAMES):
            frame = np.full((height, width, 3), GRAY_STEP * i, np.uint8)
            container.mux(
                stream.encode(
                    av.VideoFrame.from_ndarray(frame, format='rgb24')))
        container.mux(stream.encode(None))
    return path


def gray_numbers(path: Path) -> list:
    """The source frame number shown by each frame of ``path``."""
    with av.open(str(path)) as container:
        levels = [
            frame.to_ndarray(format='rgb24').mean()
            for frame in container.decode(video=0)
        ]
    return [round(level / GRAY_STEP) for level in levels]


def snapshot(folder: Path, pattern: str = '*') -> dict:
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in folder.rglob(pattern)
    }


def load_tool():
    path = REPO / 'tools' / 'data' / 'prepare_videos.py'
    spec = importlib.util.spec_from_file_location('prepare_videos', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def source_videos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp('sources')
    write_gray_video(folder / 'land.mp4', 320, 240)
    write_gray_video(folder / 'sub' / 'portrait.mkv', 240, 320)
    return folder


@pytest.fixture
def src(source_videos, tmp_path) -> Path:
    """A landscape mp4 and a portrait mkv in a subfolder (a fresh copy)."""
    return Path(shutil.copytree(source_videos, tmp_path / 'src'))


@pytest.fixture
def count_encodes(monkeypatch):
    """Counts the sources ``prepare_videos`` encodes, by name."""
    encoded = []
    original = prepare_module.transcode

    def counting(source, output, settings):
        encoded.append(Path(source).name)
        return original(source, output, settings)

    monkeypatch.setattr(prepare_module, 'transcode', counting)
    return encoded


def test_outputs_decode_at_3_fps_with_short_side_224(src, tmp_path):
    before = snapshot(src)
    dst = tmp_path / 'dst'
    report = prepare_videos(str(src), str(dst), workers=2, progress=False)
    assert report.prepared == ['land.mp4', 'sub/portrait.mkv']
    assert report.failures == {}
    assert snapshot(src) == before  # the sources are only read
    # slot k holds the last source frame nearest to k / 3 s
    expected_numbers = [
        math.ceil(SOURCE_FPS * (k + 0.5) / 3) - 1 for k in range(6)
    ]
    assert expected_numbers == [4, 12, 20, 29, 37, 45]
    for output, size in [('land.mp4', (298, 224)),
                         ('sub/portrait.mp4', (224, 298))]:
        path = dst / output
        results = LoadVideoFrames(
            num_frames=6, backend='decord')(
                dict(video_path=str(path)))
        assert results['total_frames'] == 6  # 2 s x 3 fps
        assert results['imgs'].shape == (6, size[1], size[0], 3)
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            assert stream.average_rate == 3
            assert stream.codec_context.name == 'h264'
            assert not container.streams.audio
        # every frame a key frame: training decodes only sampled frames
        assert PyAVReader(str(path)).intra_only
        assert gray_numbers(path) == expected_numbers
    manifest = json.loads((dst / MANIFEST_NAME).read_text())
    entry = manifest['videos'][1]
    assert entry['source'] == dict(
        path='sub/portrait.mkv',
        frames=50,
        fps=25.0,
        duration=2.0,
        width=240,
        height=320,
        bytes=(src / 'sub' / 'portrait.mkv').stat().st_size,
        mtime_ns=(src / 'sub' / 'portrait.mkv').stat().st_mtime_ns)
    assert entry['output'] == dict(
        path='sub/portrait.mp4',
        frames=6,
        fps=3.0,
        duration=2.0,
        width=224,
        height=298,
        bytes=(dst / 'sub' / 'portrait.mp4').stat().st_size)
    assert entry['settings'] == dict(
        fps=3.0,
        short_side=224,
        crf=23,
        preset='medium',
        tune='fastdecode',
        keyint=1)
    assert json.loads((dst / FAILURES_NAME).read_text()) == {'failures': []}


def test_fps_0_and_short_side_0_keep_rate_and_size(src, tmp_path):
    dst = tmp_path / 'dst'
    prepare_videos(
        str(src),
        str(dst),
        EncodeSettings(fps=0, short_side=0, keyint=0),
        verify_backend='pyav',
        progress=False)
    path = dst / 'land.mp4'
    assert not PyAVReader(str(path)).intra_only  # x264's key frame interval
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == SOURCE_FPS
        assert (stream.width, stream.height) == (320, 240)
    assert gray_numbers(path) == list(range(SOURCE_FRAMES))


def test_resume_skips_finished_and_redoes_changed(src, tmp_path,
                                                  count_encodes):
    dst = tmp_path / 'dst'
    prepare_videos(str(src), str(dst), progress=False)
    assert sorted(count_encodes) == ['land.mp4', 'portrait.mkv']
    outputs = snapshot(dst, '*.mp4')
    assert len(outputs) == 2

    count_encodes.clear()
    report = prepare_videos(str(src), str(dst), progress=False)
    assert count_encodes == []
    assert report.skipped == ['land.mp4', 'sub/portrait.mkv']
    assert snapshot(dst, '*.mp4') == outputs

    # other settings re-encode everything
    prepare_videos(str(src), str(dst), EncodeSettings(crf=30), progress=False)
    assert sorted(count_encodes) == ['land.mp4', 'portrait.mkv']

    # a deleted output is redone, then a changed source; nothing else
    for change, redone in [
        (lambda: (dst / 'land.mp4').unlink(), 'land.mp4'),
        (lambda: os.utime(src / 'sub' / 'portrait.mkv', ns=(1, 1)),
         'portrait.mkv')
    ]:
        change()
        count_encodes.clear()
        prepare_videos(
            str(src), str(dst), EncodeSettings(crf=30), progress=False)
        assert count_encodes == [redone]


def test_an_interrupted_run_keeps_finished_work(src, tmp_path, monkeypatch,
                                                count_encodes):
    dst = tmp_path / 'dst'
    monkeypatch.setattr(prepare_module, 'SAVE_INTERVAL_S', -1.0)
    encode = prepare_module.transcode

    def interrupted(source, output, settings):
        if source.endswith('.mkv'):
            raise KeyboardInterrupt
        return encode(source, output, settings)

    monkeypatch.setattr(prepare_module, 'transcode', interrupted)
    with pytest.raises(KeyboardInterrupt):
        prepare_videos(str(src), str(dst), progress=False)
    assert count_encodes == ['land.mp4']
    monkeypatch.setattr(prepare_module, 'transcode', encode)
    count_encodes.clear()
    report = prepare_videos(str(src), str(dst), progress=False)
    assert count_encodes == ['portrait.mkv']
    assert report.skipped == ['land.mp4']


def test_corrupt_source_is_reported_and_the_rest_done(src, tmp_path, capsys):
    (src / 'broken.mp4').write_bytes(np.random.default_rng(0).bytes(4000))
    (src / 'notes.txt').write_text('not a video, not looked at')
    dst = tmp_path / 'dst'
    status = load_tool().main([str(src), str(dst), '--no-progress'])
    assert status == 1
    failures = json.loads((dst / FAILURES_NAME).read_text())['failures']
    assert [f['source'] for f in failures] == ['broken.mp4']
    assert 'Invalid data' in failures[0]['error']
    assert 'FAILED broken.mp4' in capsys.readouterr().err
    manifest = json.loads((dst / MANIFEST_NAME).read_text())
    assert [v['output']['path']
            for v in manifest['videos']] == ['land.mp4', 'sub/portrait.mp4']
    assert not (dst / 'broken.mp4').exists()
    assert gray_numbers(dst / 'land.mp4') == [4, 12, 20, 29, 37, 45]


def test_clashing_output_names_are_refused(src, tmp_path):
    write_gray_video(src / 'land.avi', 64, 48)
    report = prepare_videos(str(src), str(tmp_path / 'dst'), progress=False)
    assert sorted(report.failures) == ['land.avi', 'land.mp4']
    assert "would clash with the output of land.mp4" in report.failures[
        'land.avi']
    assert report.prepared == ['sub/portrait.mkv']
    assert not (tmp_path / 'dst' / 'land.mp4').exists()


@pytest.mark.parametrize('dst', ['.', 'inside', 'sub/deeper', '..'])
def test_refuses_folders_inside_each_other(src, dst, capsys):
    before = snapshot(src)
    with pytest.raises(ValueError, match='source folder'):
        prepare_videos(str(src), str(src / dst), progress=False)
    assert load_tool().main([str(src), str(src / dst)]) == 2
    assert 'source folder' in capsys.readouterr().err
    assert snapshot(src) == before


def test_failure_mid_encode_leaves_no_file(src, tmp_path, monkeypatch):
    dst = tmp_path / 'dst'
    final = dst / 'land.mp4'
    original = H264Writer.flush
    seen_on_disk = []

    def failing_flush(self):
        original(self)  # every frame is muxed, the file lacks its trailer
        seen_on_disk.append({p.name: p.stat().st_size for p in dst.iterdir()})
        raise OSError('disk full (simulated)')

    monkeypatch.setattr(H264Writer, 'flush', failing_flush)
    report = prepare_videos(str(src), str(dst), progress=False)
    # while encoding, only the hidden temporary name exists
    temp_name = Path(temp_path_for(str(final))).name
    assert list(seen_on_disk[0]) == [temp_name]
    assert seen_on_disk[0][temp_name] > 0
    assert report.failures == {
        'land.mp4': 'OSError: disk full (simulated)',
        'sub/portrait.mkv': 'OSError: disk full (simulated)'
    }
    assert sorted(p.name for p in dst.rglob('*')) == [
        FAILURES_NAME, MANIFEST_NAME, 'sub'
    ]


def test_temp_files_of_a_killed_run_are_removed(src, tmp_path):
    dst = tmp_path / 'dst'
    left = Path(temp_path_for(str(dst / 'sub' / 'portrait.mp4')))
    left = left.with_name(f'.portrait.mp4.99999{TEMP_SUFFIX}')
    left.parent.mkdir(parents=True)
    left.write_bytes(b'truncated')
    report = prepare_videos(str(src), str(dst), progress=False)
    assert report.removed_temp_files == [str(left)]
    assert not left.exists()
    assert sorted(p.name for p in (dst / 'sub').iterdir()) == ['portrait.mp4']


def test_constant_rate_frames_tolerate_millisecond_timestamps():
    rate = Fraction(30000, 1001)
    starts = [Fraction(round(i * 1001 / 30), 1000) for i in range(30)]
    timed = [(s, s + Fraction(33, 1000), i) for i, s in enumerate(starts)]
    assert list(constant_rate_frames(timed, rate)) == list(range(30))
    # 10 fps -> 4 fps: slot k takes the last frame nearest to k / 4 s
    timed = [(Fraction(i, 10), Fraction(i + 1, 10), i) for i in range(10)]
    assert list(constant_rate_frames(timed, Fraction(4))) == [1, 3, 6, 8]
    assert nearest_slot(Fraction(1, 8), Fraction(4)) == 1  # half rounds up


@pytest.mark.parametrize('size, short_side, expected', [
    ((1920, 1080), 224, (398, 224)),
    ((1080, 1920), 224, (224, 398)),
    ((175, 99), 224, (176, 100)),
    ((Fraction(720 * 16, 15), 576), 224, (298, 224)),
    ((641, 481), 0, (642, 482)),
])
def test_output_size(size, short_side, expected):
    settings = EncodeSettings(short_side=short_side)
    assert settings.output_size(*map(Fraction, size)) == expected


@pytest.mark.parametrize('kwargs, message', [
    (dict(fps=-1), 'fps'),
    (dict(short_side=225), 'even'),
    (dict(crf=60), 'crf'),
    (dict(preset='warp'), 'preset'),
    (dict(tune='fast'), 'tune'),
    (dict(keyint=-1), 'keyint'),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EncodeSettings(**kwargs)


def test_unreadable_manifest_is_a_clear_error(src, tmp_path, capsys):
    dst = tmp_path / 'dst'
    dst.mkdir()
    (dst / MANIFEST_NAME).write_text('{"videos": [')
    assert load_tool().main([str(src), str(dst), '--no-progress']) == 2
    error = capsys.readouterr().err
    assert MANIFEST_NAME in error and 'delete it' in error
    assert sorted(p.name for p in dst.iterdir()) == [MANIFEST_NAME]
