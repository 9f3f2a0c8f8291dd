import type { Framework, LayerFamily, NormType } from '../../ir/model';

/**
 * Constructor signatures of the framework layers the front end recognises: parameter names in
 * positional order (so `nn.GroupNorm(32, 256)` maps to `num_groups=32, num_channels=256`), the
 * framework's defaults, and what family of layer it is.
 */
export type DefaultValue = number | boolean | string | null;

export interface LayerSignature {
  readonly params: readonly string[];
  readonly defaults?: Readonly<Record<string, DefaultValue>>;
  readonly family: LayerFamily;
  readonly norm?: NormType;
  /** The library whose class this is, when not the framework itself (its defaults are that library's). */
  readonly library?: 'timm' | 'torchvision' | 'detectron2';
}

const bnDefaults = { eps: 1e-5, momentum: 0.1, affine: true, track_running_stats: true };
const inDefaults = { eps: 1e-5, momentum: 0.1, affine: false, track_running_stats: false };
const bnParams = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'];
const lazyBnParams = ['eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'];
const convParams = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'device', 'dtype'];
const convTParams = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode', 'device', 'dtype'];
const convDefaults = { stride: 1, padding: 0, dilation: 1, groups: 1, bias: true, padding_mode: 'zeros' };
const rnnParams = ['input_size', 'hidden_size', 'num_layers', 'bias', 'batch_first', 'dropout', 'bidirectional'];
const cellParams = ['input_size', 'hidden_size', 'bias'];

function entries(names: readonly string[], sig: LayerSignature): [string, LayerSignature][] {
  return names.map((n) => [n, sig]);
}

export const TORCH_LAYERS: ReadonlyMap<string, LayerSignature> = new Map<string, LayerSignature>([
  ...entries(['BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d'], { params: bnParams, defaults: bnDefaults, family: 'norm', norm: 'batch' }),
  ['SyncBatchNorm', { params: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'process_group', 'device', 'dtype'], defaults: bnDefaults, family: 'norm', norm: 'batch' }],
  ...entries(['LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d'], { params: lazyBnParams, defaults: bnDefaults, family: 'norm', norm: 'batch' }),
  ...entries(['InstanceNorm1d', 'InstanceNorm2d', 'InstanceNorm3d'], { params: bnParams, defaults: inDefaults, family: 'norm', norm: 'instance' }),
  ...entries(['LazyInstanceNorm1d', 'LazyInstanceNorm2d', 'LazyInstanceNorm3d'], { params: lazyBnParams, defaults: inDefaults, family: 'norm', norm: 'instance' }),
  ['LayerNorm', { params: ['normalized_shape', 'eps', 'elementwise_affine', 'bias', 'device', 'dtype'], defaults: { eps: 1e-5, elementwise_affine: true, bias: true }, family: 'norm', norm: 'layer' }],
  ['GroupNorm', { params: ['num_groups', 'num_channels', 'eps', 'affine', 'device', 'dtype'], defaults: { eps: 1e-5, affine: true }, family: 'norm', norm: 'group' }],
  ['RMSNorm', { params: ['normalized_shape', 'eps', 'elementwise_affine', 'device', 'dtype'], defaults: { eps: null, elementwise_affine: true }, family: 'norm', norm: 'rms' }],
  ['LocalResponseNorm', { params: ['size', 'alpha', 'beta', 'k'], defaults: { alpha: 1e-4, beta: 0.75, k: 1 }, family: 'norm', norm: 'lrn' }],
  ...entries(['Conv1d', 'Conv2d', 'Conv3d'], { params: convParams, defaults: convDefaults, family: 'conv' }),
  ...entries(['ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d'], { params: convTParams, defaults: { ...convDefaults, output_padding: 0 }, family: 'conv' }),
  ...entries(['LazyConv1d', 'LazyConv2d', 'LazyConv3d'], { params: ['out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'], defaults: convDefaults, family: 'conv' }),
  ['Linear', { params: ['in_features', 'out_features', 'bias', 'device', 'dtype'], defaults: { bias: true }, family: 'linear' }],
  ['LazyLinear', { params: ['out_features', 'bias', 'device', 'dtype'], defaults: { bias: true }, family: 'linear' }],
  ['Bilinear', { params: ['in1_features', 'in2_features', 'out_features', 'bias'], defaults: { bias: true }, family: 'linear' }],
  ...entries(['Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'], { params: ['p', 'inplace'], defaults: { p: 0.5, inplace: false }, family: 'dropout' }),
  ...entries(['ReLU', 'ReLU6', 'SELU', 'CELU', 'SiLU', 'Mish', 'Hardswish', 'Hardsigmoid', 'Sigmoid', 'Tanh', 'GELU', 'ELU', 'Softplus', 'Hardtanh', 'Identity', 'Softmax', 'LogSoftmax', 'Tanhshrink', 'Softsign'], { params: ['inplace'], family: 'activation' }),
  ['LeakyReLU', { params: ['negative_slope', 'inplace'], defaults: { negative_slope: 0.01 }, family: 'activation' }],
  ['PReLU', { params: ['num_parameters', 'init'], defaults: { num_parameters: 1 }, family: 'activation' }],
  ...entries(['MaxPool1d', 'MaxPool2d', 'MaxPool3d', 'AvgPool1d', 'AvgPool2d', 'AvgPool3d'], { params: ['kernel_size', 'stride', 'padding'], family: 'pooling' }),
  ...entries(['AdaptiveAvgPool1d', 'AdaptiveAvgPool2d', 'AdaptiveAvgPool3d', 'AdaptiveMaxPool1d', 'AdaptiveMaxPool2d', 'AdaptiveMaxPool3d'], { params: ['output_size'], family: 'pooling' }),
  ...entries(['RNN', 'LSTM', 'GRU'], { params: rnnParams, defaults: { num_layers: 1, bias: true, batch_first: false, dropout: 0, bidirectional: false }, family: 'recurrent' }),
  ...entries(['RNNCell', 'LSTMCell', 'GRUCell'], { params: cellParams, defaults: { bias: true }, family: 'recurrent' }),
  ['Embedding', { params: ['num_embeddings', 'embedding_dim', 'padding_idx'], family: 'embedding' }],
  ['MultiheadAttention', { params: ['embed_dim', 'num_heads', 'dropout', 'bias'], family: 'attention' }],
  ...entries(['Flatten', 'Unflatten', 'Upsample', 'PixelShuffle', 'ZeroPad2d', 'ReflectionPad2d'], { params: [], family: 'shape' }),
  ...entries(['Sequential', 'ModuleList', 'ModuleDict'], { params: [], family: 'container' }),
]);

/**
 * timm's normalization layers (timm/layers/norm.py and norm_act.py), PyTorch modules with their
 * own signatures: `GroupNorm(num_channels, num_groups=32)` takes the channels first, `LayerNorm2d`
 * normalizes the channels of an NCHW tensor, the `...Act` classes apply an activation after the
 * norm (`apply_act=True`). Their kinds are timm's class names.
 */
const timmAct = ['apply_act', 'act_layer', 'act_kwargs', 'inplace', 'drop_layer', 'device', 'dtype'];
export const TIMM_LAYERS: ReadonlyMap<string, LayerSignature> = new Map<string, LayerSignature>([
  ['GroupNorm', { params: ['num_channels', 'num_groups', 'eps', 'affine'], defaults: { num_groups: 32, eps: 1e-5, affine: true }, family: 'norm', norm: 'group', library: 'timm' }],
  ['GroupNorm1', { params: ['num_channels'], defaults: { num_groups: 1, eps: 1e-5, affine: true }, family: 'norm', norm: 'group', library: 'timm' }],
  ...entries(['LayerNorm', 'LayerNorm2d', 'LayerNormFp32', 'LayerNorm2dFp32'], { params: ['num_channels', 'eps', 'affine'], defaults: { eps: 1e-6, affine: true }, family: 'norm', norm: 'layer', library: 'timm' }),
  ...entries(['RmsNorm', 'RmsNorm2d'], { params: ['channels', 'eps', 'affine'], defaults: { eps: 1e-6, affine: true }, family: 'norm', norm: 'rms', library: 'timm' }),
  ...entries(['BatchNormAct2d', 'SyncBatchNormAct'], { params: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', ...timmAct], defaults: { ...bnDefaults, apply_act: true }, family: 'norm', norm: 'batch', library: 'timm' }),
  ['GroupNormAct', { params: ['num_channels', 'num_groups', 'eps', 'affine', 'group_size', ...timmAct], defaults: { num_groups: 32, eps: 1e-5, affine: true, apply_act: true }, family: 'norm', norm: 'group', library: 'timm' }],
  ['GroupNorm1Act', { params: ['num_channels', 'eps', 'affine', ...timmAct], defaults: { num_groups: 1, eps: 1e-5, affine: true, apply_act: true }, family: 'norm', norm: 'group', library: 'timm' }],
  ['LayerNormAct', { params: ['normalization_shape', 'eps', 'affine', ...timmAct], defaults: { eps: 1e-5, affine: true, apply_act: true }, family: 'norm', norm: 'layer', library: 'timm' }],
  ['LayerNormAct2d', { params: ['num_channels', 'eps', 'affine', ...timmAct], defaults: { eps: 1e-5, affine: true, apply_act: true }, family: 'norm', norm: 'layer', library: 'timm' }],
  ['FrozenBatchNormAct2d', { params: ['num_features', 'eps', ...timmAct], defaults: { eps: 1e-5, apply_act: true }, family: 'norm', norm: 'frozen', library: 'timm' }],
]);

/**
 * `FrozenBatchNorm2d(num_features, eps=1e-5)`: a BatchNorm2d whose statistics and affine are
 * buffers, never updated (torchvision.ops.misc, which timm's `get_norm_layer('frozenbatchnorm2d')`
 * also returns; detectron2.layers, which `get_norm('FrozenBN', C)` builds).
 */
const frozenBn = (library: 'torchvision' | 'detectron2'): LayerSignature => ({ params: ['num_features', 'eps'], defaults: { eps: 1e-5 }, family: 'norm', norm: 'frozen', library });
const TORCHVISION_FROZEN_BN = frozenBn('torchvision');
const DETECTRON2_FROZEN_BN = frozenBn('detectron2');

/** Layers whose `momentum` follows PyTorch's convention (weight of the new batch statistic). */
export const TORCH_MOMENTUM_LAYERS: ReadonlySet<string> = new Set(
  [...TORCH_LAYERS.keys()].filter((k) => k.includes('BatchNorm') || k.includes('InstanceNorm')),
);

const kerasConv = ['filters', 'kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'groups', 'activation', 'use_bias'];

export const KERAS_LAYERS: ReadonlyMap<string, LayerSignature> = new Map<string, LayerSignature>([
  ['BatchNormalization', { params: ['axis', 'momentum', 'epsilon', 'center', 'scale'], defaults: { axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true }, family: 'norm', norm: 'batch' }],
  ['SyncBatchNormalization', { params: ['axis', 'momentum', 'epsilon', 'center', 'scale'], defaults: { axis: -1, momentum: 0.99, epsilon: 1e-3, center: true, scale: true }, family: 'norm', norm: 'batch' }],
  ['LayerNormalization', { params: ['axis', 'epsilon', 'center', 'scale'], defaults: { axis: -1, epsilon: 1e-3, center: true, scale: true }, family: 'norm', norm: 'layer' }],
  ['GroupNormalization', { params: ['groups', 'axis', 'epsilon', 'center', 'scale'], defaults: { groups: 32, axis: -1, epsilon: 1e-3 }, family: 'norm', norm: 'group' }],
  ['UnitNormalization', { params: ['axis'], defaults: { axis: -1 }, family: 'norm', norm: 'unit' }],
  ...entries(['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv1DTranspose', 'Conv3DTranspose', 'SeparableConv2D', 'SeparableConv1D'], { params: kerasConv, defaults: { strides: 1, padding: 'valid', use_bias: true }, family: 'conv' }),
  ['DepthwiseConv2D', { params: ['kernel_size', 'strides', 'padding', 'depth_multiplier', 'data_format', 'dilation_rate', 'activation', 'use_bias'], defaults: { use_bias: true }, family: 'conv' }],
  ['Dense', { params: ['units', 'activation', 'use_bias'], defaults: { use_bias: true }, family: 'linear' }],
  ...entries(['Dropout', 'SpatialDropout1D', 'SpatialDropout2D', 'SpatialDropout3D', 'AlphaDropout', 'GaussianDropout'], { params: ['rate'], family: 'dropout' }),
  ...entries(['Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'Softmax'], { params: [], family: 'activation' }),
  ...entries(['MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D', 'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling2D'], { params: [], family: 'pooling' }),
  ...entries(['LSTM', 'GRU', 'SimpleRNN', 'Bidirectional', 'LSTMCell', 'GRUCell', 'SimpleRNNCell', 'ConvLSTM2D'], { params: ['units'], family: 'recurrent' }),
  ['Embedding', { params: ['input_dim', 'output_dim'], family: 'embedding' }],
  ...entries(['Flatten', 'Reshape', 'Permute', 'ZeroPadding2D', 'UpSampling2D', 'Add', 'Concatenate', 'Multiply', 'Rescaling', 'InputLayer', 'Lambda'], { params: [], family: 'shape' }),
  ['Sequential', { params: ['layers', 'name'], family: 'container' }],
]);

export const FLAX_LAYERS: ReadonlyMap<string, LayerSignature> = new Map<string, LayerSignature>([
  ['BatchNorm', { params: ['use_running_average', 'axis', 'momentum', 'epsilon', 'dtype', 'param_dtype', 'use_bias', 'use_scale'], defaults: { axis: -1, momentum: 0.99, epsilon: 1e-5, use_bias: true, use_scale: true }, family: 'norm', norm: 'batch' }],
  ['LayerNorm', { params: ['epsilon', 'dtype', 'param_dtype', 'use_bias', 'use_scale'], defaults: { epsilon: 1e-6, use_bias: true, use_scale: true }, family: 'norm', norm: 'layer' }],
  ['GroupNorm', { params: ['num_groups', 'group_size', 'epsilon', 'dtype', 'param_dtype', 'use_bias', 'use_scale'], defaults: { num_groups: 32, group_size: null, epsilon: 1e-6 }, family: 'norm', norm: 'group' }],
  ['RMSNorm', { params: ['epsilon', 'dtype', 'param_dtype', 'use_scale'], defaults: { epsilon: 1e-6, use_scale: true }, family: 'norm', norm: 'rms' }],
  ['InstanceNorm', { params: ['epsilon', 'dtype', 'param_dtype', 'use_bias', 'use_scale'], defaults: { epsilon: 1e-6 }, family: 'norm', norm: 'instance' }],
  ...entries(['Conv', 'ConvTranspose', 'ConvLocal'], { params: ['features', 'kernel_size', 'strides', 'padding', 'input_dilation', 'kernel_dilation', 'feature_group_count', 'use_bias'], defaults: { use_bias: true }, family: 'conv' }),
  ['Dense', { params: ['features', 'use_bias'], defaults: { use_bias: true }, family: 'linear' }],
  ['DenseGeneral', { params: ['features', 'axis', 'batch_dims', 'use_bias'], defaults: { use_bias: true }, family: 'linear' }],
  ['Dropout', { params: ['rate', 'broadcast_dims', 'deterministic'], family: 'dropout' }],
  ...entries(['LSTMCell', 'GRUCell', 'OptimizedLSTMCell', 'SimpleCell', 'RNN', 'Bidirectional'], { params: ['features'], family: 'recurrent' }),
  ['Embed', { params: ['num_embeddings', 'features'], family: 'embedding' }],
  ...entries(['MultiHeadDotProductAttention', 'SelfAttention'], { params: ['num_heads'], family: 'attention' }),
  ['Sequential', { params: ['layers'], family: 'container' }],
]);

/** `torch.nn.functional` and method-style operations recognised in forward passes. */
export const FUNCTIONAL_OPS: ReadonlyMap<string, { readonly family: LayerFamily; readonly norm?: NormType }> = new Map<string, { family: LayerFamily; norm?: NormType }>([
  ['batch_norm', { family: 'norm', norm: 'batch' }],
  ['instance_norm', { family: 'norm', norm: 'instance' }],
  ['layer_norm', { family: 'norm', norm: 'layer' }],
  ['group_norm', { family: 'norm', norm: 'group' }],
  ['rms_norm', { family: 'norm', norm: 'rms' }],
  ['local_response_norm', { family: 'norm', norm: 'lrn' }],
  ['normalize', { family: 'norm', norm: 'unit' }],
  ...['relu', 'relu_', 'relu6', 'gelu', 'silu', 'swish', 'mish', 'elu', 'selu', 'leaky_relu', 'sigmoid', 'tanh', 'hardswish', 'hardsigmoid', 'softmax', 'log_softmax', 'softplus'].map((n) => [n, { family: 'activation' as const }] as [string, { family: LayerFamily }]),
  ...['dropout', 'dropout1d', 'dropout2d', 'dropout3d', 'alpha_dropout'].map((n) => [n, { family: 'dropout' as const }] as [string, { family: LayerFamily }]),
  ...['max_pool1d', 'max_pool2d', 'max_pool3d', 'avg_pool1d', 'avg_pool2d', 'avg_pool3d', 'adaptive_avg_pool1d', 'adaptive_avg_pool2d', 'adaptive_max_pool2d', 'avg_pool', 'max_pool'].map((n) => [n, { family: 'pooling' as const }] as [string, { family: LayerFamily }]),
  ...['conv1d', 'conv2d', 'conv3d'].map((n) => [n, { family: 'conv' as const }] as [string, { family: LayerFamily }]),
  ['linear', { family: 'linear' }],
  ...['cat', 'concat', 'concatenate', 'stack'].map((n) => [n, { family: 'merge' as const }] as [string, { family: LayerFamily }]),
  ...['flatten', 'view', 'reshape', 'permute', 'transpose', 'movedim', 'moveaxis', 'swapaxes', 'swapdims', 'squeeze', 'unsqueeze', 'interpolate', 'pad', 'chunk', 'split', 'mean', 'sum', 'rearrange'].map((n) => [n, { family: 'shape' as const }] as [string, { family: LayerFamily }]),
]);

/** The signature table of a framework. */
export function layerTable(framework: Framework): ReadonlyMap<string, LayerSignature> {
  return framework === 'torch' ? TORCH_LAYERS : framework === 'keras' ? KERAS_LAYERS : FLAX_LAYERS;
}

/**
 * The framework and class of a qualified callee: `torch.nn.BatchNorm2d` -> torch/BatchNorm2d,
 * `tensorflow.keras.layers.BatchNormalization` -> keras, `flax.linen.BatchNorm` -> flax.
 */
export function classifyLayer(qualified: string | undefined): LayerClass | undefined {
  if (!qualified) return undefined;
  let known = CLASSIFIED.get(qualified);
  if (known === undefined) {
    // The names a workspace uses are few; the bound only keeps a long-lived process from growing.
    if (CLASSIFIED.size >= 10000) CLASSIFIED.clear();
    CLASSIFIED.set(qualified, (known = classify(qualified) ?? null));
  }
  return known ?? undefined;
}

/** A layer class a qualified name stands for (shared, read-only: `classifyLayer` hands out the same object for a name). */
export interface LayerClass {
  readonly framework: Framework;
  readonly kind: string;
  readonly signature: LayerSignature;
}

/** `classifyLayer` by qualified name (the IR builders ask about the same few names over and over). */
const CLASSIFIED = new Map<string, LayerClass | null>();

function classify(qualified: string): LayerClass | undefined {
  const parts = qualified.split('.');
  const kind = parts[parts.length - 1];
  if (!kind) return undefined;
  const head = parts[0];
  if (head === 'torch' && parts[1] === 'nn' && !parts.includes('functional') && !parts.includes('init') && !parts.includes('utils')) {
    const sig = TORCH_LAYERS.get(kind);
    return sig ? { framework: 'torch', kind, signature: sig } : undefined;
  }
  // `timm.layers.LayerNorm2d`, `timm.layers.norm_act.BatchNormAct2d`, the older `timm.models.layers.*`.
  if (head === 'timm' && (parts[1] === 'layers' || (parts[1] === 'models' && parts[2] === 'layers'))) {
    const sig = TIMM_LAYERS.get(kind);
    return sig ? { framework: 'torch', kind, signature: sig } : undefined;
  }
  if (kind === 'FrozenBatchNorm2d') {
    // `torchvision.ops.FrozenBatchNorm2d`, `torchvision.ops.misc.FrozenBatchNorm2d`; `detectron2.layers(.batch_norm).FrozenBatchNorm2d`.
    if (head === 'torchvision' && parts[1] === 'ops') return { framework: 'torch', kind, signature: TORCHVISION_FROZEN_BN };
    if (head === 'detectron2' && parts[1] === 'layers') return { framework: 'torch', kind, signature: DETECTRON2_FROZEN_BN };
  }
  if ((head === 'keras' || head === 'tensorflow' || head === 'tf_keras') && (parts.includes('layers') || kind === 'Sequential')) {
    const sig = KERAS_LAYERS.get(kind);
    return sig ? { framework: 'keras', kind, signature: sig } : undefined;
  }
  if (head === 'flax' && (parts[1] === 'linen' || parts[1] === 'nnx')) {
    const sig = FLAX_LAYERS.get(kind);
    return sig ? { framework: 'flax', kind, signature: sig } : undefined;
  }
  return undefined;
}
