"""Truncated downloads and videos decord cannot read: a read error under
``on_error`` on every backend, or a PyAV decode with a warning."""
import numpy as np
import pytest
from video_files import decode_all, write_video

from tmass_mm.datasets.transforms import (LoadVideoFrames, VideoReadError,
                                          video_readers)
from tmass_mm.datasets.transforms.video_readers import checked_frame_count

BACKENDS = ('auto', 'decord', 'pyav')


def noise_frames(num_frames, width=64, height=48):
    """Frames that compress badly, so that every frame takes many bytes."""
    rng = np.random.default_rng(0)
    return [
        rng.integers(0, 256, (height, width, 3), np.uint8)
        for _ in range(num_frames)
    ]


def truncated_copy(path, fraction):
    data = path.read_bytes()
    cut = path.with_name(f'cut{round(100 * fraction)}_{path.name}')
    cut.write_bytes(data[:int(len(data) * fraction)])
    return cut


@pytest.fixture
def faststart_mp4(tmp_path):
    """40 frames, the index (moov) written before the frames."""
    return write_video(
        tmp_path / 'fast.mp4',
        noise_frames(40),
        container_options={'movflags': 'faststart'})


def load(path, backend, **kwargs):
    if backend != 'pyav' and video_readers.decord is None:
        pytest.skip('decord is not installed')
    return LoadVideoFrames(
        backend=backend, **kwargs)(
            dict(video_path=str(path), video_id='cut'))


@pytest.mark.parametrize('backend', BACKENDS)
def test_truncated_faststart_mp4_is_a_read_error(faststart_mp4, backend,
                                                 mmengine_log):
    cut = truncated_copy(faststart_mp4, 0.3)
    assert 5 < len(decode_all(cut)) < 20  # PyAV alone decodes the start
    with pytest.raises(
            VideoReadError,
            match=r"cut30_fast\.mp4' \(video_id 'cut'\).*only \d+ of the 40 "
            'frames the container announces.*truncated'):
        load(cut, backend)
    assert load(cut, backend, on_error='skip') is None
    [record] = mmengine_log
    assert 'skipping a sample' in record.getMessage()
    assert 'truncated' in record.getMessage()


@pytest.mark.parametrize('backend', BACKENDS)
def test_undecodable_requested_frame_is_a_read_error(faststart_mp4, backend):
    # 97 %: less than 10 % of the frames are missing, so the file passes
    # the count check, but its last packets cannot be decoded
    cut = truncated_copy(faststart_mp4, 0.97)
    with pytest.raises(
            VideoReadError,
            match=r"cut97_fast\.mp4.*pyav.*decoding stopped before "
            r"frame \d+ .*damaged or truncated"):
        load(cut, backend, num_frames=40)  # every frame
    # frames that can be decoded still are
    results = load(cut, backend, num_frames=3)
    reference = decode_all(cut)
    np.testing.assert_array_equal(results['imgs'],
                                  reference[results['frame_inds']])


@pytest.mark.parametrize('backend', BACKENDS)
def test_truncated_mkv_without_a_count_keeps_its_decodable_frames(
        tmp_path, backend):
    # Matroska announces no frame count: the decodable count is taken
    full = write_video(tmp_path / 'v.mkv', noise_frames(40))
    cut = truncated_copy(full, 0.5)
    reference = decode_all(cut)
    assert 10 < len(reference) < 30
    results = load(cut, backend, num_frames=4)
    assert results['total_frames'] == len(reference)
    np.testing.assert_array_equal(results['imgs'],
                                  reference[results['frame_inds']])


class CountedReader:

    def __init__(self, num_frames, announced_frames):
        self.num_frames = num_frames
        self.announced_frames = announced_frames


def test_frame_count_check_allows_ten_percent_missing():
    assert checked_frame_count(CountedReader(36, 40)) == 36
    assert checked_frame_count(CountedReader(7, 0)) == 7  # no count known
    with pytest.raises(VideoReadError, match='only 35 of the 40 frames'):
        checked_frame_count(CountedReader(35, 40))
    with pytest.raises(VideoReadError, match='no decodable frame'):
        checked_frame_count(CountedReader(0, 0))


@pytest.mark.parametrize('width', [16, 24, 48])
def test_narrow_video_decodes_on_the_default_backend(tmp_path, width,
                                                     mmengine_log):
    """decord fails on some narrow videos with an internal check; the
    default loader then decodes them with PyAV and says so once."""
    if video_readers.decord is None:
        pytest.skip('decord is not installed')
    path = write_video(tmp_path / f'w{width}.mp4', noise_frames(16, width, 64))
    try:
        video_readers.DecordReader(str(path)).get_frames(np.arange(16))
        decord_fails = False
    except VideoReadError:
        decord_fails = True
    transform = LoadVideoFrames(num_frames=4)
    for _ in range(2):
        results = transform(dict(video_path=str(path), video_id='narrow'))
    np.testing.assert_array_equal(results['imgs'],
                                  decode_all(path)[results['frame_inds']])
    assert transform.num_fallbacks == int(decord_fails)
    messages = [record.getMessage() for record in mmengine_log]
    assert len(messages) == int(decord_fails)
    if decord_fails:
        assert f"w{width}.mp4' (video_id 'narrow')" in messages[0]
        assert 'decoded it with PyAV instead (1 file(s)' in messages[0]
