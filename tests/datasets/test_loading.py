"""LoadVideoFrames on generated mp4 files whose frame i is gray 10*i."""
import logging

import numpy as np
import pytest

from tmass_mm.datasets.transforms import (LoadVideoFrames, VideoReadError,
                                          video_readers)

BACKENDS = ('auto', 'decord', 'pyav')


def load(path, **kwargs):
    results = dict(video_path=str(path), video_id='vid0')
    window = {
        k: kwargs.pop(k)
        for k in ('start_time', 'end_time') if k in kwargs
    }
    results.update(window)
    return LoadVideoFrames(**kwargs)(results)


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('codec', ['mp4v', 'h264'])
def test_uniform_sampling_decodes_the_expected_frames(gray_video,
                                                      frame_numbers, backend,
                                                      codec):
    path = gray_video(24, codec=codec)
    results = load(path, num_frames=12, backend=backend)
    expected = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22]
    np.testing.assert_array_equal(results['frame_inds'], expected)
    np.testing.assert_array_equal(frame_numbers(results['imgs']), expected)
    assert results['imgs'].dtype == np.uint8
    assert results['imgs'].shape == (12, 48, 64, 3)
    assert results['original_shape'] == results['img_shape'] == (48, 64)
    assert results['total_frames'] == 24


@pytest.mark.parametrize('backend', BACKENDS)
def test_rand_sampling_frames_match_their_indices(gray_video, frame_numbers,
                                                  backend):
    path = gray_video(20)
    np.random.seed(3)
    results = load(path, num_frames=4, sampling='rand', backend=backend)
    inds = results['frame_inds']
    assert [5 * k <= i < 5 * k + 5 for k, i in enumerate(inds)] == [True] * 4
    np.testing.assert_array_equal(frame_numbers(results['imgs']), inds)


@pytest.mark.parametrize('backend', BACKENDS)
def test_time_window(gray_video, frame_numbers, backend):
    path = gray_video(20, fps=10.0)  # 2 s
    results = load(
        path, num_frames=2, backend=backend, start_time=1.0,
        end_time=1.4)  # frames 10..13
    np.testing.assert_array_equal(results['frame_inds'], [10, 12])
    np.testing.assert_array_equal(frame_numbers(results['imgs']), [10, 12])
    # a window reaching past the end is clipped to the video
    results = load(
        path, num_frames=2, backend=backend, start_time=0.0, end_time=31.0)
    np.testing.assert_array_equal(results['frame_inds'], [4, 14])


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('num_total', [1, 5])
def test_short_video_repeats_last_frame(gray_video, frame_numbers, backend,
                                        num_total):
    results = load(gray_video(num_total), num_frames=8, backend=backend)
    expected = [min(i, num_total - 1) for i in range(8)]
    np.testing.assert_array_equal(results['frame_inds'], expected)
    np.testing.assert_array_equal(frame_numbers(results['imgs']), expected)


@pytest.mark.parametrize('backend', BACKENDS)
def test_missing_file_names_file_and_sample(tmp_path, backend):
    path = tmp_path / 'absent.mp4'
    with pytest.raises(FileNotFoundError, match=r"absent\.mp4.*'vid0'"):
        load(path, backend=backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_corrupt_and_zero_length_files_raise(tmp_path, gray_video, backend):
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(b'\x00\x01garbage' * 100)
    with pytest.raises(VideoReadError, match=r"corrupt\.mp4.*'vid0'"):
        load(corrupt, backend=backend)
    empty = gray_video(0, name='empty.mp4')  # a container with no frame
    with pytest.raises(VideoReadError, match=r"empty\.mp4.*'vid0'"):
        load(empty, backend=backend)


@pytest.mark.parametrize('backend', BACKENDS)
def test_skip_mode_returns_none_and_warns_once_per_file(
        tmp_path, backend, mmengine_log):
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(b'not a video')
    transform = LoadVideoFrames(backend=backend, on_error='skip')
    for _ in range(2):
        assert transform(dict(video_path=str(corrupt), video_id='a')) is None
        assert transform(
            dict(video_path=str(tmp_path / 'absent.mp4'),
                 video_id='b')) is None
    messages = [record.getMessage() for record in mmengine_log]
    assert len(messages) == 2
    assert 'skipping a sample: cannot read video' in messages[0]
    assert "corrupt.mp4' (video_id 'a')" in messages[0]
    assert "video not found: '" in messages[1]
    assert "absent.mp4' (video_id 'b')" in messages[1]
    assert {record.levelno for record in mmengine_log} == {logging.WARNING}


def test_falls_back_to_pyav_without_decord(monkeypatch, gray_video,
                                           frame_numbers):
    monkeypatch.setattr(video_readers, 'decord', None)
    with pytest.warns(UserWarning, match='decoding videos with PyAV'):
        transform = LoadVideoFrames(num_frames=2, backend='decord')
    assert transform.backend == 'pyav'
    results = transform(dict(video_path=str(gray_video(4))))
    np.testing.assert_array_equal(frame_numbers(results['imgs']), [0, 2])


def test_bad_arguments():
    with pytest.raises(ValueError, match='unknown video backend'):
        LoadVideoFrames(backend='opencv')
    with pytest.raises(ValueError, match='on_error'):
        LoadVideoFrames(on_error='ignore')
    with pytest.raises(ValueError, match='unknown sampling'):
        LoadVideoFrames(sampling='middle')


@pytest.mark.skipif(
    video_readers.decord is None, reason='decord is not installed')
def test_decord_failure_falls_back_to_pyav_per_file(monkeypatch, gray_video,
                                                    frame_numbers,
                                                    mmengine_log):
    first, second = gray_video(6, name='a.mp4'), gray_video(6, name='b.mp4')

    def refuse(self, path, num_threads=1):
        raise VideoReadError('Check failed: the size must exactly match')

    monkeypatch.setattr(video_readers.DecordReader, '__init__', refuse)
    transform = LoadVideoFrames(num_frames=2, backend='decord')
    for path in (first, first, second):
        results = transform(dict(video_path=str(path), video_id=path.stem))
        np.testing.assert_array_equal(frame_numbers(results['imgs']), [1, 4])
    assert transform.backend == 'decord' and transform.num_fallbacks == 2
    messages = [record.getMessage() for record in mmengine_log]
    assert len(messages) == 2  # once per file
    assert "decord cannot read video '" in messages[0]
    assert "a.mp4' (video_id 'a') (Check failed: the size" in messages[0]
    assert 'decoded it with PyAV instead (1 file(s)' in messages[0]
    assert 'decoded it with PyAV instead (2 file(s)' in messages[1]


@pytest.mark.skipif(
    video_readers.decord is None, reason='decord is not installed')
def test_on_error_applies_when_both_backends_fail(tmp_path, mmengine_log):
    corrupt = tmp_path / 'corrupt.mp4'
    corrupt.write_bytes(b'\x00\x01garbage' * 100)
    with pytest.raises(
            VideoReadError,
            match=r"corrupt\.mp4' \(video_id 'vid0'\) with "
            r'decord \(.+\) nor with pyav \(.+\)'):
        load(corrupt, backend='decord')
    assert load(corrupt, backend='decord', on_error='skip') is None
    [record] = mmengine_log
    assert record.getMessage().startswith('skipping a sample: cannot read')
