# DiDeMo paragraph retrieval: all sentences of a video joined, whole clip.
# <data_root>/{train,test}_data.json, {train,test}_list.txt and
# <data_root>/videos/<file name with its own extension>
_base_ = ['./clip_video_pipelines.py']
data_root = 'data/didemo'
dataset = dict(type='DiDeMoDataset', data_root=data_root, video_root='videos')

train_dataloader = dict(dataset=dict(**dataset, split='train'))
val_dataloader = dict(dataset=dict(**dataset, split='test'))
test_dataloader = val_dataloader
