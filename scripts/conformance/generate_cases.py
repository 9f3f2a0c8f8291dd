#!/usr/bin/python3
"""Generates extra conformance cases (format normscope-conformance/1, see test/conformance/FORMAT.md)
with Debian's PyTorch: `apt-get install python3-torch`, then

    /usr/bin/python3 scripts/conformance/generate_cases.py test/conformance/cases

Every case is computed by torch in float64 from a seeded input; the files are named gen_*.json so
that they sit beside the hand-picked cases. PyTorch 1.13 has neither RMSNorm nor LayerNorm(bias=False):
those cases use torch's own layer_norm with a zero, gradient-free bias (the same function), and
RMSNorm's formula written with torch ops (as the shared cases do). A wrong input rank for
BatchNorm2d cannot be expressed (the input's rank picks 1d/2d/3d): unit tests cover it.
"""
import json
import os
import sys

import torch

torch.set_default_dtype(torch.float64)
FORMAT = "normscope-conformance/1"


def t(x):
    return None if x is None else {"shape": list(x.shape), "data": [float(v) for v in x.detach().reshape(-1).tolist()]}


def randn(shape, seed, mean=0.0, std=1.0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(*shape, generator=g) * std + mean


def module_case(name, op, attrs, module, batches, training, grad_seed=1000):
    """Runs `batches` through `module` (state carries over) and records PyTorch's results."""
    weight = getattr(module, "weight", None)
    bias = getattr(module, "bias", None)
    rm = getattr(module, "running_mean", None)
    rv = getattr(module, "running_var", None)
    nbt = getattr(module, "num_batches_tracked", None)
    inputs = {
        "weight": t(weight), "bias": t(bias),
        "running_mean": t(rm.clone()) if rm is not None else None,
        "running_var": t(rv.clone()) if rv is not None else None,
        "num_batches_tracked": int(nbt) if nbt is not None else None,
        "batches": [t(b) for b in batches],
    }
    module.train(training)
    try:
        for b in batches[:-1]:
            module(b)
        x = batches[-1].clone().requires_grad_(True)
        y = module(x)
    except (RuntimeError, ValueError) as e:
        return {"format": FORMAT, "name": name, "op": op, "attrs": attrs, "training": training, "inputs": inputs, "expected": {"error": str(e).split("\n")[0]}}
    grad_y = randn(list(y.shape), grad_seed)
    y.backward(grad_y)
    inputs["grad_y"] = t(grad_y)
    expected = {"y": t(y), "grad_x": t(x.grad)}
    if weight is not None and weight.requires_grad:
        expected["grad_weight"] = t(weight.grad)
    if bias is not None and bias.requires_grad:
        expected["grad_bias"] = t(bias.grad)
    if rm is not None:
        expected["running_mean"] = t(module.running_mean)
        expected["running_var"] = t(module.running_var)
        expected["num_batches_tracked"] = int(module.num_batches_tracked)
    return {"format": FORMAT, "name": name, "op": op, "attrs": attrs, "training": training, "inputs": inputs, "expected": expected}


def randomize_affine(module, seed):
    with torch.no_grad():
        if getattr(module, "weight", None) is not None:
            module.weight.copy_(randn(list(module.weight.shape), seed, 1.0, 0.3))
        if getattr(module, "bias", None) is not None:
            module.bias.copy_(randn(list(module.bias.shape), seed + 1, 0.0, 0.5))


def bn(name, cls, c, batches, training, seed, **kw):
    attrs = {"eps": kw.get("eps", 1e-5), "momentum": kw.get("momentum", 0.1), "affine": kw.get("affine", True), "track_running_stats": kw.get("track_running_stats", True)}
    m = cls(c, **attrs)
    randomize_affine(m, seed)
    if kw.get("state"):
        with torch.no_grad():
            m.running_mean.copy_(randn([c], seed + 2, 0.5, 0.2))
            m.running_var.copy_(randn([c], seed + 3, 0, 0.2).abs() + 0.5)
            m.num_batches_tracked.fill_(kw.get("nbt", 0))
    op = "instance_norm" if "Instance" in cls.__name__ else "batch_norm"
    return module_case(name, op, attrs, m, batches, training)


def gn(name, groups, c, batches, training, seed, **kw):
    attrs = {"num_groups": groups, "eps": kw.get("eps", 1e-5), "affine": kw.get("affine", True)}
    try:
        m = torch.nn.GroupNorm(groups, c, **attrs_without(attrs, "num_groups"))
    except ValueError as e:
        return {"format": FORMAT, "name": name, "op": "group_norm", "attrs": attrs, "training": training, "inputs": {"batches": [t(b) for b in batches]}, "expected": {"error": str(e)}}
    randomize_affine(m, seed)
    return module_case(name, "group_norm", attrs, m, batches, training)


def attrs_without(attrs, key):
    return {k: v for k, v in attrs.items() if k != key}


def ln(name, shape, batches, training, seed, **kw):
    affine = kw.get("elementwise_affine", True)
    attrs = {"normalized_shape": shape, "eps": kw.get("eps", 1e-5), "elementwise_affine": affine}
    m = torch.nn.LayerNorm(shape, eps=attrs["eps"], elementwise_affine=affine)
    randomize_affine(m, seed)
    if kw.get("no_bias"):
        attrs["bias"] = False
        with torch.no_grad():
            m.bias.zero_()
        m.bias.requires_grad_(False)
    case = module_case(name, "layer_norm", attrs, m, batches, training)
    if kw.get("no_bias"):
        case["inputs"]["bias"] = None
    return case


class RMSNorm(torch.nn.Module):
    """torch.nn.RMSNorm (PyTorch >= 2.4) from its formula."""

    def __init__(self, shape, eps, affine):
        super().__init__()
        self.shape = tuple(shape)
        self.eps = eps
        self.weight = torch.nn.Parameter(torch.ones(self.shape)) if affine else None

    def forward(self, x):
        dims = tuple(range(-len(self.shape), 0))
        if tuple(x.shape[-len(self.shape):]) != self.shape:
            raise RuntimeError(f"Given normalized_shape={list(self.shape)}, expected input with shape [*, {', '.join(map(str, self.shape))}], but got input of size{list(x.shape)}")
        eps = torch.finfo(x.dtype).eps if self.eps is None else self.eps
        y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps)
        return y * self.weight if self.weight is not None else y


def rms(name, shape, batches, training, seed, eps=1e-6, affine=True):
    m = RMSNorm(shape, eps, affine)
    randomize_affine(m, seed)
    return module_case(name, "rms_norm", {"normalized_shape": shape, "eps": eps, "elementwise_affine": affine}, m, batches, training)


def conv(name, cin, cout, k, batches, seed, **kw):
    attrs = {"in_channels": cin, "out_channels": cout, "kernel_size": k, "stride": kw.get("stride", 1), "padding": kw.get("padding", 0),
             "dilation": kw.get("dilation", 1), "groups": kw.get("groups", 1), "bias": kw.get("bias", True), "padding_mode": kw.get("padding_mode", "zeros")}
    m = torch.nn.Conv2d(**attrs)
    with torch.no_grad():
        m.weight.copy_(randn(list(m.weight.shape), seed, 0.0, 0.5))
        if m.bias is not None:
            m.bias.copy_(randn(list(m.bias.shape), seed + 1, 0.0, 0.5))
    return module_case(name, "conv2d", attrs, m, batches, True)


def pool(name, kind, batches, **kw):
    attrs = {"kernel_size": kw["kernel_size"], "stride": kw.get("stride"), "padding": kw.get("padding", 0), "ceil_mode": kw.get("ceil_mode", False)}
    if kind == "max":
        m = torch.nn.MaxPool2d(**attrs)
    else:
        attrs["count_include_pad"] = kw.get("count_include_pad", True)
        m = torch.nn.AvgPool2d(**attrs)
    return module_case(name, kind + "_pool2d", attrs, m, batches, True)


def cases():
    nn = torch.nn
    yield bn("gen_bn1d_ncl_eval_state_backward", nn.BatchNorm1d, 4, [randn([3, 4, 5], 1)], False, 10, state=True, nbt=7)
    yield bn("gen_bn2d_momentum_one", nn.BatchNorm2d, 3, [randn([2, 3, 3, 3], 2), randn([2, 3, 3, 3], 3, 1, 2)], True, 11, momentum=1.0)
    yield bn("gen_bn2d_momentum_zero_state", nn.BatchNorm2d, 3, [randn([2, 3, 2, 2], 4)], True, 12, momentum=0.0, state=True, nbt=5)
    yield bn("gen_bn2d_momentum_none_resumed", nn.BatchNorm2d, 2, [randn([3, 2, 2, 2], 5), randn([3, 2, 2, 2], 6, -1, 3)], True, 13, momentum=None, state=True, nbt=4)
    yield bn("gen_bn2d_no_affine_no_tracking_train", nn.BatchNorm2d, 3, [randn([2, 3, 4, 4], 7)], True, 14, affine=False, track_running_stats=False)
    yield bn("gen_bn3d_eval_state", nn.BatchNorm3d, 2, [randn([2, 2, 2, 2, 3], 8)], False, 15, state=True)
    yield bn("gen_bn2d_channel_mismatch_error", nn.BatchNorm2d, 3, [randn([2, 4, 2, 2], 10)], True, 17)
    yield bn("gen_bn2d_large_mean_train_precision", nn.BatchNorm2d, 2, [randn([2, 2, 3, 3], 11, 1e5, 1)], True, 18)
    yield bn("gen_in1d_track_train_3steps", nn.InstanceNorm1d, 3, [randn([2, 3, 6], 12), randn([2, 3, 6], 13, 2, 0.5), randn([2, 3, 6], 14)], True, 19, momentum=0.3, affine=True, track_running_stats=True)
    yield bn("gen_in3d_affine", nn.InstanceNorm3d, 2, [randn([2, 2, 2, 3, 2], 15)], True, 20, affine=True, track_running_stats=False)
    yield bn("gen_in2d_one_spatial_error", nn.InstanceNorm2d, 3, [randn([2, 3, 1, 1], 16)], True, 21, affine=False, track_running_stats=False)
    yield bn("gen_in2d_large_mean_precision", nn.InstanceNorm2d, 2, [randn([2, 2, 4, 4], 17, -3e5, 0.5)], True, 22, affine=True, track_running_stats=False)
    yield gn("gen_gn_3d_input_eval", 4, 8, [randn([2, 8, 2, 2, 2], 18)], False, 23)
    yield gn("gen_gn_nc_input", 2, 6, [randn([5, 6], 19)], True, 24)
    yield gn("gen_gn_large_mean_precision", 2, 4, [randn([2, 4, 3, 3], 20, 1e6, 2)], True, 25)
    yield gn("gen_gn_channel_mismatch_error", 2, 4, [randn([2, 6, 3], 21)], True, 26)
    yield ln("gen_ln_bias_false", [6], [randn([3, 6], 22)], True, 27, no_bias=True)
    yield ln("gen_ln_bias_false_two_dims", [2, 4], [randn([3, 2, 4], 23)], True, 28, no_bias=True)
    yield ln("gen_ln_shape_mismatch_error", [5], [randn([3, 4], 24)], True, 29)
    yield ln("gen_ln_one_element_rows", [1], [randn([4, 1], 25)], True, 30)
    yield ln("gen_ln_3d_normalized_big_eps", [2, 3, 2], [randn([2, 2, 3, 2], 26, 0, 0.01)], False, 31, eps=1e-2)
    yield rms("gen_rms_eps_none", [5], [randn([3, 5], 27)], True, 32, eps=None)
    yield rms("gen_rms_large_values", [8], [randn([2, 8], 28, 1e4, 1e3)], True, 33)
    yield rms("gen_rms_shape_mismatch_error", [4], [randn([2, 5], 29)], True, 34)
    yield conv("gen_conv2d_zeros", 2, 3, 3, [randn([2, 2, 5, 4], 40)], 41, padding=1)
    yield conv("gen_conv2d_reflect", 2, 3, 3, [randn([2, 2, 5, 4], 42)], 43, padding=2, padding_mode="reflect")
    yield conv("gen_conv2d_replicate_stride_dilation", 2, 4, [3, 2], [randn([2, 2, 6, 5], 44)], 45, padding=[2, 1], stride=2, dilation=[2, 1], padding_mode="replicate")
    yield conv("gen_conv2d_circular_groups", 4, 2, 3, [randn([1, 4, 4, 5], 46)], 47, padding=[1, 3], groups=2, bias=False, padding_mode="circular")
    yield pool("gen_maxpool2d_ceil", "max", [randn([2, 2, 7, 6], 50)], kernel_size=3, stride=2, ceil_mode=True)
    yield pool("gen_maxpool2d_ceil_padding", "max", [randn([1, 2, 5, 8], 51)], kernel_size=[2, 3], stride=[2, 2], padding=1, ceil_mode=True)
    yield pool("gen_avgpool2d_ceil_include_pad", "avg", [randn([2, 2, 7, 6], 52)], kernel_size=3, stride=2, padding=1, ceil_mode=True)
    yield pool("gen_avgpool2d_ceil_exclude_pad", "avg", [randn([1, 3, 6, 5], 53)], kernel_size=[3, 2], stride=[2, 3], padding=[1, 1], ceil_mode=True, count_include_pad=False)
    yield pool("gen_avgpool2d_floor", "avg", [randn([1, 2, 7, 6], 54)], kernel_size=3, stride=2)
    yield conv("gen_conv2d_reflect_too_wide_error", 1, 1, 3, [randn([1, 1, 2, 6], 48)], 49, padding=2, padding_mode="reflect")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "test/conformance/cases"
    os.makedirs(out, exist_ok=True)
    for case in cases():
        with open(os.path.join(out, case["name"] + ".json"), "w") as f:
            json.dump(case, f, separators=(",", ":"))
            f.write("\n")
        print(case["name"], "error" if "error" in case["expected"] else "ok")


if __name__ == "__main__":
    main()
