"""What the retrieval metrics keep of each video sample, and how the kept
samples become gallery tensors."""
from typing import List

import torch


def sample_record(sample) -> dict:
    """One video sample's ids, captions and features, detached on the CPU
    (one per video, so MMEngine can drop the distributed sampler's
    padding)."""
    return dict(
        video_index=sample['video_index'],
        video_id=sample['video_id'],
        text_indices=list(sample['text_indices']),
        texts=list(sample['texts']),
        video_embeds=sample['video_embeds'].detach().float().cpu(),
        text_embeds=sample['text_embeds'].detach().float().cpu())


def gather_embeddings(results: List[dict]) -> dict:
    """Order per-sample records into gallery tensors.

    Returns ``text_embeds`` ``[T, D]`` (by global caption id),
    ``video_embeds`` ``[V, F, D]`` (by video index), ``text_to_video``
    ``[T]``, ``texts`` and ``video_ids``: the EMBEDDINGS format of
    :mod:`tmass_mm.evaluation.embedding_files`. Ids must run 0..T-1 and
    0..V-1 without gaps or repeats.
    """
    if not results:
        raise ValueError('the retrieval metrics received no samples: the '
                         'evaluation set is empty')
    results = sorted(results, key=lambda r: r['video_index'])
    video_index = [r['video_index'] for r in results]
    if video_index != list(range(len(results))):
        raise ValueError(f'video indices must be 0..{len(results) - 1} '
                         f'exactly once each; got {video_index[:10]}...')
    text_ids = torch.tensor([i for r in results for i in r['text_indices']])
    order = torch.argsort(text_ids)
    if not torch.equal(text_ids[order], torch.arange(len(text_ids))):
        raise ValueError('caption indices must be 0..T-1 exactly once each')
    text_to_video = torch.tensor(
        [r['video_index'] for r in results for _ in r['text_indices']])
    texts = [t for r in results for t in r['texts']]
    return dict(
        text_embeds=torch.cat([r['text_embeds'] for r in results])[order],
        video_embeds=torch.stack([r['video_embeds'] for r in results]),
        text_to_video=text_to_video[order],
        texts=[texts[i] for i in order.tolist()],
        video_ids=[r['video_id'] for r in results])
