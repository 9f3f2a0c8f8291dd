/**
 * Training launchers that hand back the objects they are given, wrapped: Hugging Face
 * Accelerate (`accelerator.prepare(model, optimizer, loader)`), Lightning Fabric
 * (`fabric.setup(model, optimizer)`, `fabric.setup_dataloaders(loader)`) and DeepSpeed
 * (`model_engine, optimizer, loader, scheduler = deepspeed.initialize(model=..., ...)`).
 * The wrapped model keeps its layers and its train/eval mode, the wrapped loader its batch size
 * and drop_last, so the names the call returns stand for the objects passed in.
 */
import type { SyntaxNode as Node } from '../syntaxTree';
import { callArgs, keyOf, words } from './util';

export interface LauncherCall {
  readonly kind: 'accelerate' | 'fabric' | 'deepspeed';
  /** For each returned position, the argument it stands for (undefined when the launcher builds it). */
  readonly outputs: readonly (Node | undefined)[];
  /** DeepSpeed: the position of the training loader it builds from `training_data=`. */
  readonly builtLoader?: number;
}

const ACCELERATE_METHODS = new Set(['prepare', 'prepare_model', 'prepare_data_loader', 'unwrap_model']);
const FABRIC_METHODS = new Set(['setup', 'setup_module', 'setup_dataloaders']);

/** Whether a method of this name may be a launcher's (the methods `launcherCall` knows besides `deepspeed.initialize`). */
export function mayLaunch(method: string | undefined): boolean {
  return method !== undefined && (ACCELERATE_METHODS.has(method) || FABRIC_METHODS.has(method));
}

/**
 * What `call` returns position by position, when it is a launcher call. `qualified` is the
 * callee's qualified name (`deepspeed.initialize`); `accelerators` names the variables assigned
 * from `Accelerator(...)` / `Fabric(...)` in the file.
 */
export function launcherCall(call: Node, qualified: string | undefined, accelerators: ReadonlySet<string>): LauncherCall | undefined {
  const f = call.childForFieldName('function');
  if (!f) return undefined;
  const args = callArgs(call);
  if (qualified === 'deepspeed.initialize') {
    // initialize(args=None, model=None, optimizer=None, model_parameters=None, training_data=None, lr_scheduler=None, ...)
    const at = (name: string, i: number) => args.keywords.get(name) ?? args.positional[i];
    const data = at('training_data', 4);
    return { kind: 'deepspeed', outputs: [at('model', 1), at('optimizer', 2), undefined, at('lr_scheduler', 5)], ...(data ? { builtLoader: 2 } : {}) };
  }
  if (f.type !== 'attribute') return undefined;
  const method = f.childForFieldName('attribute')?.text ?? '';
  if (!mayLaunch(method)) return undefined;
  const receiver = keyOf(f.childForFieldName('object'));
  if (!receiver || args.hasSplat) return undefined;
  const named = (w: string) => accelerators.has(receiver) || words(receiver.split('.').pop() ?? receiver).includes(w);
  if (ACCELERATE_METHODS.has(method) && named('accelerator')) return { kind: 'accelerate', outputs: args.positional };
  if (FABRIC_METHODS.has(method) && named('fabric')) return { kind: 'fabric', outputs: args.positional };
  return undefined;
}
