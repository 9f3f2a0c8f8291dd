/**
 * Constructor signatures of the `torch.nn` layers the front end recognises: parameter names in
 * positional order, so that `nn.GroupNorm(32, 256)` maps to `num_groups=32, num_channels=256`.
 */
export interface LayerSignature {
  readonly params: readonly string[];
}

const bnParams = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'];
const lazyBnParams = ['eps', 'momentum', 'affine', 'track_running_stats', 'device', 'dtype'];
const convParams = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode', 'device', 'dtype'];
const convTParams = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'output_padding', 'groups', 'bias', 'dilation', 'padding_mode', 'device', 'dtype'];

export const TORCH_LAYERS: ReadonlyMap<string, LayerSignature> = new Map<string, LayerSignature>([
  ['BatchNorm1d', { params: bnParams }],
  ['BatchNorm2d', { params: bnParams }],
  ['BatchNorm3d', { params: bnParams }],
  ['SyncBatchNorm', { params: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats', 'process_group', 'device', 'dtype'] }],
  ['LazyBatchNorm1d', { params: lazyBnParams }],
  ['LazyBatchNorm2d', { params: lazyBnParams }],
  ['LazyBatchNorm3d', { params: lazyBnParams }],
  ['InstanceNorm1d', { params: bnParams }],
  ['InstanceNorm2d', { params: bnParams }],
  ['InstanceNorm3d', { params: bnParams }],
  ['LazyInstanceNorm1d', { params: lazyBnParams }],
  ['LazyInstanceNorm2d', { params: lazyBnParams }],
  ['LazyInstanceNorm3d', { params: lazyBnParams }],
  ['LayerNorm', { params: ['normalized_shape', 'eps', 'elementwise_affine', 'bias', 'device', 'dtype'] }],
  ['GroupNorm', { params: ['num_groups', 'num_channels', 'eps', 'affine', 'device', 'dtype'] }],
  ['RMSNorm', { params: ['normalized_shape', 'eps', 'elementwise_affine', 'device', 'dtype'] }],
  ['LocalResponseNorm', { params: ['size', 'alpha', 'beta', 'k'] }],
  ['Conv1d', { params: convParams }],
  ['Conv2d', { params: convParams }],
  ['Conv3d', { params: convParams }],
  ['ConvTranspose1d', { params: convTParams }],
  ['ConvTranspose2d', { params: convTParams }],
  ['ConvTranspose3d', { params: convTParams }],
  ['Linear', { params: ['in_features', 'out_features', 'bias', 'device', 'dtype'] }],
]);

/** Layers whose `momentum` follows PyTorch's convention (weight of the new batch statistic). */
export const TORCH_MOMENTUM_LAYERS: ReadonlySet<string> = new Set(
  [...TORCH_LAYERS.keys()].filter((k) => k.includes('BatchNorm') || k.includes('InstanceNorm')),
);
