# T-MASS on CLIP ViT-B/32 (OpenAI weights, QuickGELU), D = 512.
model = dict(
    type='TMASSRetriever',
    data_preprocessor=dict(type='RetrievalDataPreprocessor'),
    backbone=dict(
        type='CLIPEncoder', model_name='ViT-B-32', pretrained='openai'),
    neck=dict(type='XPoolNeck', embed_dim=512, num_heads=1, dropout=0.3),
    head=dict(
        type='TMASSHead',
        sampler=dict(
            type='StochasticTextSampler',
            # num_frames must equal the pipeline's LoadVideoFrames.num_frames
            radius=dict(type='SimilarityRadius', num_frames=12, embed_dim=512),
            prior='uniform01'),
        support_weight=0.0,
        num_trials=20))

val_evaluator = dict(type='RetrievalMetric', protocol='tmass')
test_evaluator = val_evaluator
