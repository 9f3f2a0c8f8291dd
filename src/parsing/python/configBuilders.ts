import type { Value } from '../../ir/values';
import { classifyLayer, type LayerClass } from './torchLayers';

/**
 * What the layer builders of config-driven codebases build: mmcv's `build_norm_layer(cfg, C,
 * postfix)`, `build_conv_layer(cfg, *args, **kwargs)` and `build_activation_layer(cfg)`
 * (mmdetection, mmsegmentation, mmpretrain backbones; also inside mmcv's `ConvModule`, which the
 * model builder reads) and detectron2's `get_norm(norm, C)`. They take a config
 * (`dict(type='BN', requires_grad=True)`, or a name) and build a PyTorch layer from it.
 */

/**
 * Config type names -> the torch class built: mmcv's registry (`BN`, `SyncBN`, `GN`, ... in
 * mmcv/cnn/bricks/norm.py) and detectron2's `get_norm` names (`nnSyncBN`, `naiveSyncBN`).
 */
const CONFIG_NORMS: ReadonlyMap<string, string> = new Map([
  ['BN', 'BatchNorm2d'],
  ['BN1d', 'BatchNorm1d'],
  ['BN2d', 'BatchNorm2d'],
  ['BN3d', 'BatchNorm3d'],
  ['SyncBN', 'SyncBatchNorm'],
  ['MMSyncBN', 'SyncBatchNorm'],
  ['nnSyncBN', 'SyncBatchNorm'],
  ['naiveSyncBN', 'SyncBatchNorm'],
  ['GN', 'GroupNorm'],
  ['LN', 'LayerNorm'],
  ['IN', 'InstanceNorm2d'],
  ['IN1d', 'InstanceNorm1d'],
  ['IN2d', 'InstanceNorm2d'],
  ['IN3d', 'InstanceNorm3d'],
]);

/**
 * The name of the layer class a config type name builds (`'SyncBN'` is `SyncBatchNorm`), for
 * readers that go by class names (the training IR's class facts). detectron2's `'FrozenBN'` is
 * its `FrozenBatchNorm2d` (not a `torch.nn` class, so not in `CONFIG_NORMS`).
 */
export function configNormClassName(type: string): string | undefined {
  return CONFIG_NORMS.get(type) ?? (type === 'FrozenBN' ? 'FrozenBatchNorm2d' : undefined);
}

/** mmcv's conv registry (mmcv/cnn/bricks/conv.py): `Conv` is `nn.Conv2d`. */
const CONFIG_CONVS: ReadonlyMap<string, string> = new Map([
  ['Conv', 'Conv2d'],
  ['Conv1d', 'Conv1d'],
  ['Conv2d', 'Conv2d'],
  ['Conv3d', 'Conv3d'],
]);

/**
 * mmcv's activation registry (mmcv/cnn/bricks/activation.py) where it registers PyTorch's own
 * classes under their names; mmcv's own `Clamp`, `Swish`, `HSigmoid`, `HSwish` are left out.
 */
const CONFIG_ACTIVATIONS: ReadonlyMap<string, string> = new Map(
  ['ReLU', 'LeakyReLU', 'PReLU', 'RReLU', 'ReLU6', 'ELU', 'Sigmoid', 'Tanh', 'SiLU', 'GELU', 'Mish', 'Hardswish', 'Hardsigmoid', 'Softplus', 'Identity'].map((n) => [n, n]),
);

/** The `type` of a config: a dict's `type` entry, or the value itself when it is a name. */
function configType(v: Value): Value | undefined {
  if (v.kind === 'dict') return v.entries.find(([k]) => k === 'type')?.[1];
  return v;
}

/** The class a config's type stands for: a registry name, or a class given as the type (`dict(type=nn.BatchNorm2d)`). */
function classOfType(type: Value | undefined, registry: ReadonlyMap<string, string>): LayerClass | undefined {
  if (type?.kind === 'callable') return type.boundPositional.length === 0 && type.boundKeywords.length === 0 ? classifyLayer(type.target) : undefined;
  if (type?.kind === 'string' && type.value === 'FrozenBN' && registry === CONFIG_NORMS) return classifyLayer('detectron2.layers.FrozenBatchNorm2d');
  const name = type?.kind === 'string' ? registry.get(type.value) : undefined;
  return name ? classifyLayer(`torch.nn.${name}`) : undefined;
}

/** The norm class a config builds: `'BN'`, `dict(type='GN', num_groups=32)`, `dict(type=nn.SyncBatchNorm)`, detectron2's `'FrozenBN'`. */
export function configNormClass(v: Value): LayerClass | undefined {
  const cls = classOfType(configType(v), CONFIG_NORMS);
  return cls?.signature.family === 'norm' ? cls : undefined;
}

/** The conv class mmcv's `build_conv_layer` builds for a config: `None` is `nn.Conv2d`. */
export function configConvClass(v: Value): LayerClass | undefined {
  if (v.kind === 'none') return classifyLayer('torch.nn.Conv2d');
  if (v.kind !== 'dict') return undefined;
  const cls = classOfType(configType(v), CONFIG_CONVS);
  return cls?.signature.family === 'conv' ? cls : undefined;
}

/** The activation class mmcv's `build_activation_layer` builds for a config (`dict(type='ReLU', inplace=True)`). */
export function configActivationClass(v: Value): LayerClass | undefined {
  if (v.kind !== 'dict') return undefined;
  const cls = classOfType(configType(v), CONFIG_ACTIVATIONS);
  return cls?.signature.family === 'activation' ? cls : undefined;
}

/**
 * The name `build_norm_layer` gives its layer: mmcv's `infer_abbr` of the class (`bn` for the
 * batch norms, `gn`, `ln`, `in`) followed by `str(postfix)`.
 */
export function mmcvNormName(cls: LayerClass, postfix: string): string {
  const abbr = cls.signature.norm === 'batch' || cls.signature.norm === 'frozen' ? 'bn' : cls.signature.norm === 'group' ? 'gn' : cls.signature.norm === 'layer' ? 'ln' : cls.signature.norm === 'instance' ? 'in' : 'norm_layer';
  return abbr + postfix;
}

/**
 * The keyword arguments a config dict passes to the class it builds: every entry but `type`
 * (and, for a norm, `requires_grad`, which mmcv applies to the parameters). Undefined for a
 * config that is not a dict.
 */
export function configKeywords(v: Value, norm: boolean): readonly (readonly [string, Value])[] | undefined {
  if (v.kind !== 'dict') return undefined;
  return v.entries.filter(([k]) => k !== 'type' && !(norm && k === 'requires_grad'));
}
