# Charades: the `script` of each video as its text; 1,863 test videos.
# <data_root>/Charades_v1_{train,test}.csv and <data_root>/videos/<id>.mp4
# No validation split: the recipes keep the last epoch (see the recipe).
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/charades'
dataset = dict(
    type='CharadesDataset',
    data_root=data_root,
    video_root='videos',
    text_field='script')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
test_dataloader = dict(dataset=dict(**dataset, split='test'))
