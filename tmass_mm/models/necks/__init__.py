from .xpool import XPoolNeck

__all__ = ['XPoolNeck']
