"""Every common codec and container, a variable frame rate and phone
rotation: both backends give exactly the frames an independent PyAV decode
gives, decoded by the backend itself (no fallback)."""
import numpy as np
import pytest
from video_files import (decode_all, patterned_frames, require_encoder,
                         write_video)

from tmass_mm.datasets.transforms import LoadVideoFrames, video_readers

BACKENDS = ('auto', 'decord', 'pyav')

# file name (the suffix picks the container): (encoders to try, options)
CLIPS = {
    'h264.mp4': (('libx264', ), {}),
    'h264_intra.mp4': (('libx264', ), {
        'g': '1'
    }),
    'hevc.mp4': (('libx265', ), {
        'x265-params': 'log-level=error'
    }),
    'vp9.webm': (('libvpx-vp9', ), {}),
    'av1.mp4': (('libsvtav1', 'libaom-av1'), {}),
    'mpeg4.avi': (('mpeg4', ), {}),
    'av1.mkv': (('libsvtav1', 'libaom-av1'), {}),
}


def load_without_fallback(path, backend, log, num_frames=5):
    if backend != 'pyav' and video_readers.decord is None:
        pytest.skip('decord is not installed')
    transform = LoadVideoFrames(num_frames=num_frames, backend=backend)
    results = transform(dict(video_path=str(path), video_id=path.name))
    assert transform.backend == backend
    assert transform.num_fallbacks == 0, [r.getMessage() for r in log]
    assert not log, [r.getMessage() for r in log]
    return results


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('name', CLIPS)
def test_codec_gives_the_frames_pyav_decodes(tmp_path, name, backend,
                                             mmengine_log):
    encoders, options = CLIPS[name]
    path = write_video(
        tmp_path / name,
        patterned_frames(16, 64, 48),
        require_encoder(*encoders),
        options=options)
    results = load_without_fallback(path, backend, mmengine_log)
    reference = decode_all(path)
    assert len(reference) == results['total_frames'] == 16
    # 16 frames cut at 0, 3, 6, 9, 12, 16
    np.testing.assert_array_equal(results['frame_inds'], [1, 4, 7, 10, 13])
    np.testing.assert_array_equal(results['imgs'], reference[[1, 4, 7, 10,
                                                              13]])


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('name', ['vfr.mp4', 'vfr.mkv'])
def test_variable_frame_rate_keeps_every_frame(tmp_path, name, backend,
                                               mmengine_log):
    pts_ms = [
        0, 100, 150, 400, 450, 500, 900, 1000, 1050, 1100, 1500, 1600, 1700,
        1750, 1800, 2500
    ]
    path = write_video(
        tmp_path / name, patterned_frames(16, 64, 48), pts_ms=pts_ms)
    results = load_without_fallback(path, backend, mmengine_log, 16)
    assert results['total_frames'] == 16
    np.testing.assert_array_equal(results['frame_inds'], np.arange(16))
    np.testing.assert_array_equal(results['imgs'], decode_all(path))


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('rotation', [90, -90, 180])
def test_rotated_video_comes_out_upright(tmp_path, rotation, backend,
                                         mmengine_log):
    # a portrait scene (96 high, 64 wide, white block top-left), stored
    # turned the other way, with the display rotation that turns it back
    quarter_turns = rotation // 90
    stored = [
        np.ascontiguousarray(np.rot90(frame, -quarter_turns))
        for frame in patterned_frames(16, 64, 96)
    ]
    path = write_video(tmp_path / 'phone.mp4', stored, rotation=rotation)
    results = load_without_fallback(path, backend, mmengine_log)
    imgs = results['imgs']
    assert imgs.shape == (5, 96, 64, 3)
    assert imgs[:, :20, :15].min() > 200  # the white block, top-left
    assert imgs[:, -40:, -20:].mean() < 200
    as_stored = decode_all(path)[results['frame_inds']]
    np.testing.assert_array_equal(
        imgs, np.rot90(as_stored, quarter_turns, axes=(1, 2)))
