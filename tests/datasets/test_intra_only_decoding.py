"""Intra-only files (what prepare_videos.py writes by default) are decoded
frame by frame: PyAV decodes just the wanted frames, and ``'auto'`` picks
it for them; other files are decoded in order (PyAV) or by decord."""
import numpy as np
import pytest
from video_files import decode_all, patterned_frames, write_video

from tmass_mm.datasets.transforms import LoadVideoFrames, video_readers
from tmass_mm.datasets.transforms.video_readers import (DecordReader,
                                                        NotIntraOnly,
                                                        PyAVReader,
                                                        open_reader)


@pytest.fixture(scope='module')
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp('intra')
    frames = patterned_frames(20, 64, 48)
    return dict(
        intra=write_video(folder / 'intra.mp4', frames, options={'g': '1'}),
        grouped=write_video(
            folder / 'grouped.mp4', frames, options={'g': '8'}))


def test_intra_only_stream_decodes_just_the_wanted_frames(clips):
    reader = PyAVReader(str(clips['intra']))
    assert reader.intra_only and reader.num_frames == 20
    wanted = np.array([15, 3, 7, 7])
    frames = reader.get_frames(wanted)
    np.testing.assert_array_equal(frames, decode_all(clips['intra'])[wanted])
    assert reader.last_decoded == 3  # 3, 7 and 15, each once
    # the file stays open from the probe for one call; later calls reopen it
    again = reader.get_frames(np.array([19, 0]))
    np.testing.assert_array_equal(again, decode_all(clips['intra'])[[19, 0]])
    assert reader.last_decoded == 2


def test_other_streams_decode_in_order_up_to_the_last_wanted_frame(clips):
    reader = PyAVReader(str(clips['grouped']))
    assert not reader.intra_only and reader.num_frames == 20
    wanted = np.array([2, 9])
    frames = reader.get_frames(wanted)
    np.testing.assert_array_equal(frames, decode_all(clips['grouped'])[wanted])
    assert reader.last_decoded == 10


def test_a_frame_past_the_stream_is_a_read_error(clips):
    with pytest.raises(video_readers.VideoReadError, match='past the 20'):
        PyAVReader(str(clips['intra'])).get_frames(np.array([3, 20]))


def test_auto_picks_pyav_for_intra_only_files_and_decord_else(clips):
    if video_readers.decord is None:
        pytest.skip('decord is not installed')
    assert type(open_reader('auto', str(clips['intra']))) is PyAVReader
    grouped = open_reader('auto', str(clips['grouped']))
    assert type(grouped) is DecordReader
    # the announced count comes from the PyAV probe, as decord's own
    assert grouped.announced_frames == 20
    # the probe stops at the first predicted frame (no read-through)
    with pytest.raises(NotIntraOnly) as stopped:
        PyAVReader(str(clips['grouped']), intra_only_or_stop=True)
    assert stopped.value.announced_frames == 20
    for name, path in clips.items():
        auto, decord = (
            LoadVideoFrames(num_frames=6,
                            backend=backend)(dict(video_path=str(path)))
            for backend in ('auto', 'decord'))
        np.testing.assert_array_equal(auto['imgs'], decord['imgs'])
        np.testing.assert_array_equal(auto['imgs'],
                                      decode_all(path)[auto['frame_inds']])
