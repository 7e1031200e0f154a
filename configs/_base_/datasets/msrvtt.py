# MSR-VTT: 9k train captions (every caption of 9,000 videos), 1k-A test.
# <data_root>/MSRVTT_data.json, MSRVTT_train.9k.csv,
# MSRVTT_JSFUSION_test.csv and <data_root>/videos/<video_id>.mp4
# No validation split: the recipes keep the last epoch (see the recipe).
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/msrvtt'
dataset = dict(type='MSRVTTDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train-9k'))
test_dataloader = dict(dataset=dict(**dataset, split='test-1k-A'))
