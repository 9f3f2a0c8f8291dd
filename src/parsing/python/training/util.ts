import { literalValue } from '../syntax';
import { dottedLast } from '../dottedNames';
import type { ImportTable } from '../imports';
import { NodeCache, type SyntaxNode as Node } from '../syntaxTree';

export interface CallArgs {
  readonly positional: readonly Node[];
  readonly keywords: ReadonlyMap<string, Node>;
  /** The values of `keywords`, in its order (read with an index: iterating a map allocates an iterator and a result per step). */
  readonly keywordValues: readonly Node[];
  /** `*args` or `**kwargs` present: omitted arguments may still be given. */
  readonly hasSplat: boolean;
}

/**
 * Syntax nodes are immutable and an unchanged statement keeps its nodes across edits (see
 * `SyntaxTree.update`), so answers that depend only on a node's subtree are kept per node.
 */
const CALL_ARGS = new NodeCache<CallArgs>();

export function callArgs(call: Node): CallArgs {
  let args = CALL_ARGS.get(call);
  if (!args) CALL_ARGS.set(call, (args = readCallArgs(call)));
  return args;
}

/**
 * A call's argument at `index` (or, not given there, by `keyword`; `index` -1: by keyword only)
 * when it is a string literal: the names library calls take (`get_model('resnet50')`,
 * `torch.hub.load('pytorch/vision', 'resnet18')`).
 */
export function stringArgument(call: Node, index: number, keyword: string): string | undefined {
  const args = callArgs(call);
  const node = (index >= 0 ? args.positional[index] : undefined) ?? args.keywords.get(keyword);
  const lit = node ? literalValue(node) : undefined;
  return lit?.kind === 'string' ? String(lit.value) : undefined;
}

/** The arguments of calls without positional or keyword ones (shared: never modified). */
const NO_POSITIONAL: readonly Node[] = Object.freeze([]);

/**
 * A call's keyword arguments by name, in the order first given (`ReadonlyMap`'s answers). Two
 * lists of the exact size, searched in turn, where a `Map` cost a hash table per call: a call
 * has a few keywords, and every call of the file gets its arguments read.
 */
class Keywords implements ReadonlyMap<string, Node> {
  constructor(
    private readonly names: readonly string[],
    /** The values, in the names' order (`CallArgs.keywordValues`). */
    readonly list: readonly Node[],
  ) {}
  get size(): number {
    return this.names.length;
  }
  get(key: string): Node | undefined {
    const i = this.names.indexOf(key);
    return i < 0 ? undefined : this.list[i];
  }
  has(key: string): boolean {
    return this.names.indexOf(key) >= 0;
  }
  forEach(f: (value: Node, key: string, map: ReadonlyMap<string, Node>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.names.length; i++) f.call(thisArg, this.list[i], this.names[i], this);
  }
  *entries(): MapIterator<[string, Node]> {
    for (let i = 0; i < this.names.length; i++) yield [this.names[i], this.list[i]];
  }
  *keys(): MapIterator<string> {
    for (let i = 0; i < this.names.length; i++) yield this.names[i];
  }
  *values(): MapIterator<Node> {
    for (let i = 0; i < this.list.length; i++) yield this.list[i];
  }
  [Symbol.iterator](): MapIterator<[string, Node]> {
    return this.entries();
  }
}

const NO_KEYWORDS = new Keywords([], NO_POSITIONAL);

/** The arguments of a call with none (shared: never modified). */
const NO_ARGS: CallArgs = Object.freeze({ positional: NO_POSITIONAL, keywords: NO_KEYWORDS, keywordValues: NO_POSITIONAL, hasSplat: false });

function readCallArgs(call: Node): CallArgs {
  const list = call.childForFieldName('arguments');
  if (!list) return NO_ARGS;
  if (list.type !== 'argument_list') return { positional: [list], keywords: NO_KEYWORDS, keywordValues: NO_POSITIONAL, hasSplat: false }; // a generator expression argument
  // Counted first, so that each list is made at its exact size (they are kept with the call).
  const children = list.namedChildren;
  let positionalCount = 0;
  let keywordCount = 0;
  let hasSplat = false;
  for (let i = 0; i < children.length; i++) {
    const type = children[i].type;
    if (type === 'comment') continue;
    if (type === 'keyword_argument') keywordCount++;
    else if (type === 'list_splat' || type === 'dictionary_splat') hasSplat = true;
    else positionalCount++;
  }
  if (positionalCount === 0 && keywordCount === 0) return hasSplat ? { positional: NO_POSITIONAL, keywords: NO_KEYWORDS, keywordValues: NO_POSITIONAL, hasSplat } : NO_ARGS;
  const positional: Node[] = positionalCount === 0 ? (NO_POSITIONAL as Node[]) : new Array<Node>(positionalCount);
  const names: string[] | undefined = keywordCount === 0 ? undefined : new Array<string>(keywordCount);
  const values: Node[] | undefined = keywordCount === 0 ? undefined : new Array<Node>(keywordCount);
  let p = 0;
  let k = 0;
  for (let i = 0; i < children.length; i++) {
    const child = children[i];
    const type = child.type;
    if (type === 'keyword_argument') {
      const name = child.childForFieldName('name');
      const value = child.childForFieldName('value');
      if (!name || !value || !names || !values) continue;
      const text = name.text;
      // (A name given twice keeps its first place, with the last value.)
      let at = -1;
      for (let j = 0; j < k; j++) {
        if (names[j] === text) {
          at = j;
          break;
        }
      }
      if (at >= 0) values[at] = value;
      else {
        names[k] = text;
        values[k++] = value;
      }
    } else if (type !== 'comment' && type !== 'list_splat' && type !== 'dictionary_splat') {
      positional[p++] = child;
    }
  }
  if (!names || !values || k === 0) return { positional, keywords: NO_KEYWORDS, keywordValues: NO_POSITIONAL, hasSplat };
  // (Fewer than counted when a name came twice or a keyword argument lacked its name or value: rare.)
  if (k < keywordCount) {
    names.length = k;
    values.length = k;
  }
  return { positional, keywords: new Keywords(names, values), keywordValues: values, hasSplat };
}

/** The argument bound to a parameter, by keyword or position. */
export function argFor(args: CallArgs, name: string, position: number | undefined): Node | undefined {
  return args.keywords.get(name) ?? (position === undefined ? undefined : args.positional[position]);
}

/** Attribute segments that name the same module as their object (DDP `.module`, `torch.compile`'s `._orig_mod`). */
const TRANSPARENT = new Set(['module', '_orig_mod']);

/**
 * `model.module.backbone` -> `model.backbone`; undefined for anything but a dotted name. Not
 * kept per node: reading it again costs less than a per-node cache (most keys asked are of
 * plain names, and a WeakMap entry per node asked is work for the garbage collector).
 */
export function keyOf(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  let n = node;
  while (n.type === 'parenthesized_expression' && n.namedChildCount === 1 && n.firstNamedChild) n = n.firstNamedChild;
  if (n.type === 'identifier') return n.text;
  return n.type === 'attribute' ? attributeKey(n) : undefined;
}

/** The key of an `a.b.c` attribute chain (its head kept, transparent segments dropped), or undefined when not a dotted name. */
function attributeKey(node: Node): string | undefined {
  const object = node.childForFieldName('object');
  const attr = node.childForFieldName('attribute');
  if (!object || !attr) return undefined;
  const head = object.type === 'identifier' ? object.text : object.type === 'attribute' ? attributeKey(object) : undefined;
  if (head === undefined) return undefined;
  const name = attr.text;
  return TRANSPARENT.has(name) ? head : `${head}.${name}`;
}

/**
 * The last segment of a callee's qualified name (`qualifiedName`, else its dotted name): an
 * attribute's own name, or what an imported plain name stands for (`from torch.nn import
 * BatchNorm2d as BN`: `BN` -> `BatchNorm2d`), without building the qualified name; '' when the
 * callee is not a dotted name.
 */
export function calleeLastName(callee: Node, imports: ImportTable): string {
  if (callee.type !== 'identifier') return dottedLast(callee) ?? '';
  const bound = imports.aliases.get(callee.text);
  return bound ? lastSegment(bound) : callee.text;
}

/** The last segment of a dotted name (`torch.nn.Conv2d` -> `Conv2d`). */
export function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/** The second segment of a dotted name (`self.net.fc` -> `net`), or undefined when it has one segment. */
export function secondSegment(name: string): string | undefined {
  const first = name.indexOf('.');
  if (first < 0) return undefined;
  const second = name.indexOf('.', first + 1);
  return second < 0 ? name.slice(first + 1) : name.slice(first + 1, second);
}

export function rootOf(key: string): string {
  const dot = key.indexOf('.');
  if (dot < 0) return key;
  // A model built in a call (`modelKey`: `torchvision.models.resnet18(weights="DEFAULT")`, and
  // `Net().fc` below it): the call's text up to its closing parenthesis.
  const open = key.indexOf('(');
  if (open < 0) return key.slice(0, dot);
  let depth = 0;
  for (let i = open; i < key.length; i++) {
    const c = key[i];
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return key.slice(0, i + 1);
  }
  return key;
}

/**
 * The key of a model given as an argument: a name (`keyOf`), or for a model built in the call
 * itself (`Trainer(model=Net(), ...)`, `train(MLP(), loader)`) the call's text, spaces collapsed
 * (`Net()`), under which the function's bindings hold what it builds.
 */
export function modelKey(node: Node | null | undefined): string | undefined {
  if (!node) return undefined;
  const inner = unparen(node);
  return inner.type === 'call' ? inner.text.replace(/\s+/g, ' ') : keyOf(node);
}

/** Key prefix test: `model` covers `model.backbone` and `model.[BatchNorm]`. */
export function isUnder(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix + '.');
}

/** The words of the identifiers read lately (see `words`). */
const WORDS = new Map<string, readonly string[]>();
/** `testloader`, `valset`, `trainloader`...: see `words`. */
const RUN_ON_DATA_WORD = /^(train|training|val|valid|validation|eval|test|testing|dev|holdout)(loader|loaders|set|sets|data|dataset|datasets|iter|iterator|batches|dl|ds)$/;

/**
 * Words of an identifier: `val_loader` -> ['val', 'loader'], `testLoader` -> ['test', 'loader'],
 * and a data word written on to a train or inference word without a break, as the PyTorch
 * tutorials write them: `testloader` -> ['test', 'loader'], `trainset` -> ['train', 'set'].
 */
export function words(name: string): readonly string[] {
  let ws = WORDS.get(name);
  if (!ws) {
    ws = name
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .filter((w) => w.length > 0)
      .flatMap((w) => {
        const run = RUN_ON_DATA_WORD.exec(w);
        return run ? [run[1], run[2]] : [w];
      });
    // Names of the files analysed lately; the bound keeps a long session from growing it forever.
    if (WORDS.size > 20000) WORDS.clear();
    WORDS.set(name, ws);
  }
  return ws;
}

const INFERENCE_WORDS = new Set(['val', 'valid', 'validate', 'validation', 'eval', 'evaluate', 'evaluation', 'evaluator', 'test', 'testing', 'predict', 'prediction', 'predictions', 'inference', 'infer', 'sample', 'sampling', 'generate', 'generation', 'score', 'scoring', 'dev', 'holdout', 'benchmark']);
const TRAIN_WORDS = new Set(['train', 'training', 'fit', 'trn']);

/** Names that say "this is inference" (`validate`, `val_loader`, `run_test`, `predict`). */
export function soundsLikeInference(name: string): boolean {
  const ws = words(name);
  return ws.some((w) => INFERENCE_WORDS.has(w)) && !ws.some((w) => TRAIN_WORDS.has(w));
}

export function soundsLikeTraining(name: string): boolean {
  const ws = words(name);
  return ws.some((w) => TRAIN_WORDS.has(w)) && !ws.some((w) => INFERENCE_WORDS.has(w));
}

/** The innermost statement holding `node` (a child of a block or of the module). */
export function statementOf(node: Node): Node {
  let n: Node = node;
  for (;;) {
    const p = n.parent;
    if (!p || p.type === 'block' || p.type === 'module') return n;
    n = p;
  }
}

/** Leading whitespace of the line holding `node`. */
export function indentOf(text: string, node: Node): string {
  return indentAt(text, node.startIndex);
}

/** The whitespace that starts the line holding `offset`. */
export function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  let end = lineStart;
  while (end < text.length && (text[end] === ' ' || text[end] === '\t')) end++;
  return text.slice(lineStart, end);
}

/** Strips `x` from `(x)`. */
export function unparen(node: Node): Node {
  let n = node;
  while (n.type === 'parenthesized_expression' && n.firstNamedChild) n = n.firstNamedChild;
  return n;
}

/** Words of a receiver that name an optimizer or what steps one (`scaler.step(optimizer)`, DeepSpeed's `model_engine.step()`). */
const OPTIMIZER_WORDS: ReadonlySet<string> = new Set(['opt', 'optim', 'optimizer', 'optimiser', 'optimizers', 'scaler', 'engine']);

/**
 * A call that steps an optimizer: `.step(...)` on a receiver named for one (`optimizer.step()`,
 * `opt_d.step()`, `self.optimizer_G.step()`, `scaler.step(optimizer)`, `model_engine.step()`), not
 * a scheduler's `step` nor an environment's (`env.step(action)`).
 */
export function stepsAnOptimizer(call: Node): boolean {
  const f = call.childForFieldName('function');
  if (f?.type !== 'attribute' || f.childForFieldName('attribute')?.text !== 'step') return false;
  const object = f.childForFieldName('object');
  const receiver = object ? words(object.type === 'attribute' ? (object.childForFieldName('attribute')?.text ?? '') : object.text) : [];
  return receiver.some((w) => OPTIMIZER_WORDS.has(w));
}

/**
 * A loss scaler called with the loss and the optimizer, timm's `NativeScaler` style
 * (`loss_scaler(loss, optimizer, clip_grad=..., parameters=model.parameters())`, as MAE, DeiT and
 * ConvNeXt write it): it runs `backward()` and the optimizer's `step()`.
 */
export function scalerStepCall(call: Node): boolean {
  const f = call.childForFieldName('function');
  const name = f?.type === 'identifier' ? f.text : f?.type === 'attribute' ? (f.childForFieldName('attribute')?.text ?? '') : '';
  if (!words(name).includes('scaler')) return false;
  const second = callArgs(call).positional[1];
  return second !== undefined && (second.type === 'identifier' || second.type === 'attribute') && words(lastSegment(second.text)).some((w) => w !== 'scaler' && OPTIMIZER_WORDS.has(w));
}

/** A call that runs a training step: `loss.backward()` (any `.backward(...)`), an optimizer's step, or a loss scaler's (`scalerStepCall`). */
export function trainingStepCall(call: Node): boolean {
  const f = call.childForFieldName('function');
  return (f?.type === 'attribute' && (f.childForFieldName('attribute')?.text === 'backward' || stepsAnOptimizer(call))) || scalerStepCall(call);
}

/**
 * What a condition tests the truth of, and whether it holds when that is true: parentheses,
 * `not` and comparisons with a boolean literal (`x == True`, `x is False`, `x != True`, `True ==
 * x`) are seen through, so `(train == False)` tests `train` and holds when it is false. Anything
 * else is its own subject, holding when true.
 */
export function testedOperand(condition: Node | null): { subject: Node | null; holds: boolean } {
  let c = condition;
  let holds = true;
  for (;;) {
    if (!c) return { subject: null, holds };
    if (c.type === 'parenthesized_expression' && c.namedChildren.length === 1) {
      c = c.namedChildren[0];
      continue;
    }
    if (c.type === 'not_operator') {
      c = c.childForFieldName('argument');
      holds = !holds;
      continue;
    }
    const truth = c.type === 'comparison_operator' ? truthTest(c) : undefined;
    if (!truth) return { subject: c, holds };
    c = truth.subject;
    holds = holds === truth.holds;
  }
}

/** `x == True`, `x is False`, `x != True`, `True == x`: the tested operand and whether the test holds when x is true. */
function truthTest(c: Node): { subject: Node; holds: boolean } | undefined {
  const operands = c.namedChildren;
  const operators = c.children.filter((n) => !n.isNamed);
  if (operands.length !== 2 || operators.length !== 1) return undefined;
  const op = operators[0].type;
  const equal = op === '==' || op === 'is' ? true : op === '!=' || op === 'is not' ? false : undefined;
  if (equal === undefined) return undefined;
  const [a, b] = operands;
  const literal = boolLiteral(b) ?? boolLiteral(a);
  if (literal === undefined || (boolLiteral(a) !== undefined && boolLiteral(b) !== undefined)) return undefined;
  return { subject: boolLiteral(b) !== undefined ? a : b, holds: literal === equal };
}

function boolLiteral(n: Node): boolean | undefined {
  return n.type === 'true' ? true : n.type === 'false' ? false : undefined;
}

/**
 * The string-keyed entries of a dict written in place, `dict(a=1)` or `{'a': 1}`, in order;
 * undefined for any other expression.
 */
export function dictEntries(n: Node): [string, Node][] | undefined {
  if (n.type === 'call' && n.childForFieldName('function')?.text === 'dict') return [...callArgs(n).keywords];
  if (n.type !== 'dictionary') return undefined;
  const out: [string, Node][] = [];
  for (const pair of n.namedChildren) {
    if (pair.type !== 'pair') continue;
    const k = pair.childForFieldName('key');
    const v = pair.childForFieldName('value');
    const lit = k ? literalValue(k) : undefined;
    if (lit?.kind === 'string' && v) out.push([lit.value, v]);
  }
  return out;
}

/** Functions that return the model they are given, wrapped: `DDP(model)`, `torch.compile(model)`, `nn.SyncBatchNorm.convert_sync_batchnorm(model)`. */
export const WRAPPING_FUNCTIONS: ReadonlySet<string> = new Set(['DDP', 'DistributedDataParallel', 'DataParallel', 'compile', 'FSDP', 'FullyShardedDataParallel', 'convert_sync_batchnorm', 'wrap']);
/** Methods that return their receiver, moved or switched: `model.to(device)`, `model.eval()`. */
const WRAPPING_METHODS: ReadonlySet<string> = new Set(['to', 'cuda', 'cpu', 'float', 'half', 'double', 'bfloat16', 'eval', 'train', 'requires_grad_', 'to_empty', 'channels_last']);

/**
 * The model a copying call copies, as its key: `copy.deepcopy(model)` (an EMA or teacher copy).
 * The copy has the model's layers and starts in the mode the model is in, but is a model of its
 * own: a later switch of either leaves the other as it was (unlike a wrapper's: `wrappedModelKey`).
 */
export function copiedModelKey(call: Node): string | undefined {
  const f = call.childForFieldName('function');
  if (!f || (f.type === 'attribute' ? f.childForFieldName('attribute')?.text : f.text) !== 'deepcopy') return undefined;
  const first = callArgs(call).positional[0];
  return first ? keyOf(unparen(first)) : undefined;
}

/**
 * The model a wrapping call returns, as its key: `DDP(model)`, `model.to(device)`, and chains of
 * them (`torch.compile(model).to(device)`, `DDP(model.cuda(), device_ids=[rank])`). Undefined for
 * any other call.
 */
export function wrappedModelKey(call: Node): string | undefined {
  let c = call;
  for (let depth = 0; depth < 8; depth++) {
    const f = c.childForFieldName('function');
    if (!f) return undefined;
    const name = f.type === 'attribute' ? f.childForFieldName('attribute')?.text : f.text;
    let inner: Node | null | undefined;
    if (f.type === 'attribute' && name !== undefined && WRAPPING_METHODS.has(name)) inner = f.childForFieldName('object');
    else if (name !== undefined && WRAPPING_FUNCTIONS.has(name)) {
      const args = callArgs(c);
      inner = args.positional[0] ?? args.keywords.get('module') ?? args.keywords.get('model');
    } else return undefined;
    if (!inner) return undefined;
    const u = unparen(inner);
    if (u.type !== 'call') return keyOf(u);
    c = u;
  }
  return undefined;
}
