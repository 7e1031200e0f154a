"""A tiny random CLIP retriever, so every test runs offline in seconds."""
import copy

TINY_EMBED_DIM = 32
TINY_CLIP_CFG = dict(
    embed_dim=TINY_EMBED_DIM,
    quick_gelu=True,
    vision_cfg=dict(
        image_size=32, layers=2, width=64, patch_size=16, head_width=32),
    text_cfg=dict(
        context_length=77, vocab_size=49408, width=64, heads=2, layers=2))


def tiny_retriever_cfg(num_frames: int = 4, **head_kwargs) -> dict:
    """Config of a TMASSRetriever on the tiny CLIP."""
    head = dict(
        type='TMASSHead',
        sampler=dict(
            type='StochasticTextSampler',
            radius=dict(
                type='SimilarityRadius',
                num_frames=num_frames,
                embed_dim=TINY_EMBED_DIM)),
        num_trials=3)
    head.update(head_kwargs)
    return dict(
        type='TMASSRetriever',
        backbone=dict(
            type='CLIPEncoder', model_cfg=copy.deepcopy(TINY_CLIP_CFG)),
        neck=dict(type='XPoolNeck', embed_dim=TINY_EMBED_DIM, dropout=0.0),
        head=head)
