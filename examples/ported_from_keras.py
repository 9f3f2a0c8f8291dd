"""A MobileNet-style block ported by hand from a TensorFlow/Keras implementation.

The Keras original used BatchNormalization(momentum=0.99, epsilon=1e-3); the port copied the
numbers, but PyTorch's momentum means the opposite thing.
"""
from torch import nn


class InvertedResidual(nn.Module):
    def __init__(self, channels, expansion=6):
        super().__init__()
        hidden = channels * expansion
        self.expand = nn.Conv2d(channels, hidden, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(hidden, eps=1e-3, momentum=0.99)
        self.depthwise = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden, bias=False)
        self.bn2 = nn.BatchNorm2d(hidden, eps=1e-3, momentum=0.99)
        self.project = nn.Conv2d(hidden, channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(channels, eps=1e-3, momentum=0.01)  # this one was converted correctly
        self.act = nn.ReLU6(inplace=True)

    def forward(self, x):
        out = self.act(self.bn1(self.expand(x)))
        out = self.act(self.bn2(self.depthwise(out)))
        out = self.bn3(self.project(out))
        return x + out
