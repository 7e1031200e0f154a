"""The data sample that travels with one video and its captions."""
from mmengine.structures import BaseDataElement


class RetrievalDataSample(BaseDataElement):
    """One video with the captions that describe it.

    Metainfo (set by ``PackRetrievalInputs`` from the dataset):
        video_id (str): the benchmark's id of the video.
        video_index (int): position of the video in the dataset's gallery.
        text_indices (list[int]): global indices of this sample's captions
            among all captions of the split (the metric's query ids).
        texts (list[str]): the captions themselves.
        frame_inds (np.ndarray): the decoded frame indices (debugging).

    Data fields set by the retriever in ``predict`` mode:
        video_embeds (Tensor): ``[F, D]`` per-frame CLIP features.
        text_embeds (Tensor): ``[n, D]`` one feature per caption.
    """
