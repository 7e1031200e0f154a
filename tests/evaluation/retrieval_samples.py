"""Video samples as the retriever's ``predict`` returns them, and a stand-in
scorer, for the retrieval metric tests."""
import torch
from torch.nn.functional import normalize


def mean_frame_scorer(text, video, pool_text_index, seed, video_offset=0):
    """A stand-in for the model: cosine of text and mean frame."""
    return normalize(text, dim=-1) @ normalize(video.mean(1), dim=-1).T


def video_sample(index, text_ids, text_embeds, video_embeds):
    return dict(
        video_index=index,
        video_id=f'v{index}',
        text_indices=text_ids,
        texts=[f't{i}' for i in text_ids],
        text_embeds=text_embeds,
        video_embeds=video_embeds)


def planted_samples(captions_per_video=(1, 3, 2), dim=8, frames=3, seed=0):
    """Videos whose captions point near their own mean frame."""
    gen = torch.Generator().manual_seed(seed)
    samples, next_id = [], 0
    for v, count in enumerate(captions_per_video):
        video = torch.randn(frames, dim, generator=gen)
        text = video.mean(0) + 0.8 * torch.randn(count, dim, generator=gen)
        ids = list(range(next_id, next_id + count))
        next_id += count
        samples.append(video_sample(v, ids, text, video))
    return samples
