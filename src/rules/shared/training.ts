/**
 * Helpers shared by the training-IR rules (NRM1xx, NRM2xx, NRM601): which model a loader
 * feeds, how to describe evidence, severity for inferred values, and line-insertion fixes.
 */
import type { FileIR } from '../../ir/file';
import { boundAt, type Span } from '../../ir/span';
import type { Where } from '../../ir/values';
import { describeKnownValue, describeOrigin, knownValueOrigin, type DataLoaderIR, type KnownValue, type LayerFact, type ModeAt, type ModelFacts, type ModelVariable, type SiteIR, type TrainableAssignment, type TrainingIR } from '../../ir/training';
import type { RelatedLocation, Severity, TextEdit } from '../types';

const LOWER: Record<Severity, Severity> = { error: 'warning', warning: 'info', info: 'hint', hint: 'hint' };

/**
 * A shape smoke test (`net = ResNet18(); print(net(torch.randn(1, 3, 32, 32)).shape)`, README
 * demos): the model was built right there and, in this file, is never given weights, never
 * switched and never trained; or it is built, without pretrained weights, in the call that runs
 * it (`evaluate(Net(), loader)`). Its outputs are random either way, so its mode is no pitfall.
 * A model built with its weights (`resnet50(weights='DEFAULT')`, `torch.hub.load(...,
 * pretrained=True)`) is none: its predictions are meant, and training mode spoils them.
 */
export function isUntrainedSmokeTest(site: SiteIR, training: TrainingIR): boolean {
  if (site.mode.unresolved || site.facts.pretrained) return false;
  const origins = site.mode.origins;
  if (origins.length === 0 || !origins.every((o) => o.kind === 'construction')) return false;
  // A model built in the call that runs it (`evaluate(Net(), loader)`): nothing gave it weights or trained it.
  if (site.modelInCaller.includes('(')) return true;
  if (site.via.length > 0) return false;
  if (training.optimizers.length > 0 || training.sites.some((s) => s.kind === 'training-step')) return false;
  const root = (key: string) => key.split('.')[0] ?? key;
  return !training.weightLoads.some((w) => root(w.model) === root(site.model));
}

/** One step lower when the evidence is only inferred (a CLI default, a config default). */
export function lowered(base: Severity, inferred: boolean): Severity | undefined {
  return inferred ? LOWER[base] : undefined;
}

export function lowerSeverity(s: Severity): Severity {
  return LOWER[s];
}

/** "4 (argparse default of --bs, line 12)" / "4 (line 40)" / "1 (DataLoader's default batch_size=1, line 7)". */
export function describeValue(v: KnownValue, where: Where): string {
  return describeKnownValue(v, where);
}

/** A known size as a message says it: `4`, or `at most 4` for an upper bound (`KnownValue.upperBound`). */
export function sizeText(v: KnownValue): string {
  return v.upperBound === undefined ? String(v.value) : `at most ${String(v.value)}`;
}

/**
 * The SyncBatchNorm conversion that the default run skips, when every conversion in the file is
 * under a condition that is false by default (`if args.sync_bn:` with `--sync-bn` a `store_true`
 * flag): its span and condition. Undefined when there is none, or one runs by default.
 */
export function syncBatchNormOptIn(training: TrainingIR): { readonly span: Span; readonly condition: KnownValue } | undefined {
  const conversions = training.distributed.syncBatchNormConversions;
  if (conversions.length === 0) return undefined;
  const offByDefault = (span: Span) => training.distributed.conditionalSyncBatchNorm?.find((c) => c.span.startOffset === span.startOffset && c.condition.value === false);
  return conversions.every((s) => offByDefault(s) !== undefined) ? offByDefault(conversions[0]) : undefined;
}

/** The note a finding on the default run adds about a SyncBatchNorm conversion it skips (see `syncBatchNormOptIn`). */
export function optInNote(optIn: { readonly condition: KnownValue }, where: Where): string {
  return ` The SyncBatchNorm conversion runs only when ${optIn.condition.text} is set, off by default (${whereOf(optIn.condition, where)}).`;
}

/** The parenthetical of `describeValue`: "line 40", "argparse default of --bs, line 6". */
export function whereOf(v: KnownValue, where: Where): string {
  return knownValueOrigin(v, where);
}

/** A note for messages when the model's definition is not in view. */
export function evidenceNote(facts: ModelFacts): string {
  if (facts.evidence === 'none') return " The model's definition is not in view, so this evidence is partial.";
  if (facts.evidence === 'library') return ` (${facts.name}${facts.chosenBy ? `, ${facts.chosenBy},` : ''} is known to contain ${facts.batchNorms.length > 0 ? 'BatchNorm' : facts.otherModeDependent[0]?.kind ?? 'normalization'} layers.)`;
  if (facts.evidence === 'workspace' && facts.definitionFile) return ` (${facts.name} is defined in ${facts.definitionFile}.)`;
  return '';
}

/** Related locations for layers defined in the analysed file. */
export function layerLocations(layers: readonly LayerFact[], message: (l: LayerFact) => string, max = 2): RelatedLocation[] {
  // (Layers built from one config, `norm_cfg=norm_cfg` in a backbone and a head, share a span: one note each.)
  return layers
    .filter((l, i): l is LayerFact & { span: Span } => l.span !== undefined && l.file === undefined && !layers.slice(0, i).some((k) => k.span?.startOffset === l.span?.startOffset && k.file === undefined))
    .slice(0, max)
    .map((l) => ({ span: l.span, message: message(l) }));
}

/** `BatchNorm2d (line 12)`; a layer of another file: `BatchNorm2d (models.py:12)`. */
export function layerWhere(l: LayerFact | undefined, where: Where): string {
  if (!l) return 'its BatchNorm layers';
  const via = l.via ? `${l.via}, ` : '';
  if (l.file && l.span) return `${l.kind} (${via}${l.file}:${l.span.start.line + 1})`;
  if (l.span) return `${l.kind} (${via}${where(l.span)})`;
  return l.kind;
}

/**
 * Facts of the model named `name` as seen from `fn` (models list), else undefined. In a method
 * (`className`), `self` and `self.<attr>` are that class's: never those of another class with a
 * method of the same name (each LightningModule has its own `train_dataloader`).
 */
/** The name a model goes by in messages: its class's for `self` (a method of the model), else the name used. */
export function shownModelName(name: string, facts: ModelFacts): string {
  return name === 'self' ? facts.name : name;
}

/**
 * The facts of the model a name holds in a function: what its binding there gave it (the last
 * one before offset `at` when given: a notebook that reuses `model` for each example), else a
 * binding of another function's (the module's `model` a function uses).
 */
export function modelFacts(ir: FileIR, name: string, fn: string, className?: string, at?: number): ModelFacts | undefined {
  // (A model built in a call, `Net()`, is named by the call's text: no root of its own.)
  const root = name.includes('(') ? name : name.startsWith('self.') ? name.split('.').slice(0, 2).join('.') : name.split('.')[0] ?? name;
  const ms = ir.training.models;
  if (className !== undefined && (root === 'self' || root.startsWith('self.'))) return ms.find((m) => m.name === root && m.className === className)?.facts;
  const own = bindingAt(ms, (m) => m.name === root && m.function === fn && m.className === className, at) ?? bindingAt(ms, (m) => m.name === root && m.function === fn, at);
  if (own) return own.facts;
  // A local variable of the function bound to something unknown: another function's model of that name is not it.
  if (ir.training.unknownLocals?.some((u) => u.name === root && u.function === fn && u.className === className)) return undefined;
  return ms.find((m) => m.name === root)?.facts;
}

/** Of the bindings `test` picks (in source order), the one in force at `at` (`boundAt`); the last one when no offset is given. */
function bindingAt(ms: readonly ModelVariable[], test: (m: ModelVariable) => boolean, at: number | undefined): ModelVariable | undefined {
  const picked = ms.filter(test);
  return at === undefined ? picked[picked.length - 1] : boundAt(picked, at);
}

/** A model a training loader feeds: its name where the loader is used, its facts, and its training steps over the loader. */
export interface LoaderModel {
  readonly name: string;
  readonly facts: ModelFacts;
  readonly steps: readonly SiteIR[];
}

/**
 * The trained models a training loader feeds, in the order of their first training step over it
 * (a GAN's loop trains a generator and a discriminator on the same batches), else the models it
 * is given to (`model.fit(...)`, a LightningModule's own `train_dataloader()`).
 */
export function loaderModels(ir: FileIR, loader: DataLoaderIR): readonly LoaderModel[] {
  // The steps looping over a loader of this name: those in the loader's own function; else those
  // in functions without a loader of that name of their own (a module-level loader a function
  // loops over). `train()` and `finetune()` each with its own `loader` are told apart.
  // (A loader of a function is that function's local: a step of another function looping over a
  // name of its own, not reached through a call from there, loops over another loader.)
  const visible = (s: SiteIR) => loader.function === '<module>' || s.function === loader.function || s.via.length > 0;
  const named = ir.training.sites.filter((s) => s.kind === 'training-step' && loader.variable !== undefined && s.loader === loader.variable && s.facts.evidence !== 'none' && visible(s));
  const here = (s: SiteIR) => s.function === loader.function;
  const shadowed = (s: SiteIR) => ir.training.loaders.some((l) => l !== loader && l.variable === loader.variable && l.function === s.function);
  const steps = named.some(here) ? named.filter(here) : named.filter((s) => !shadowed(s));
  if (steps.length > 0) {
    const models: { name: string; facts: ModelFacts; steps: SiteIR[] }[] = [];
    for (const s of steps) {
      const m = models.find((x) => x.name === s.modelInCaller && x.facts === s.facts);
      if (m) m.steps.push(s);
      else models.push({ name: s.modelInCaller, facts: s.facts, steps: [s] });
    }
    return models;
  }
  for (const feed of loader.feeds) {
    const facts = modelFacts(ir, feed, loader.function, loader.className, loader.span.startOffset);
    // `self`: a LightningModule's own train_dataloader() feeds the module.
    if (facts) return [{ name: shownModelName(feed, facts), facts: kerasTrainableAt(ir, loader, feed, facts), steps: ir.training.sites.filter((s) => s.kind === 'training-step' && s.modelInCaller === feed) }];
  }
  return [];
}

/**
 * The first model a training loader feeds (see `loaderModels`) with BatchNorm layers that compute
 * batch statistics in its training (`trainableBatchNorms`) and pass `keep`, with those layers;
 * none for a loader whose batches merge graphs (`DataLoaderIR.batchesGraphs`) or that a unit test makes (`DataLoaderIR.inUnitTest`).
 */
export function loaderBatchNorms(ir: FileIR, loader: DataLoaderIR, keep?: (l: LayerFact) => boolean): (LoaderModel & { readonly batchNorms: readonly LayerFact[] }) | undefined {
  // (A batch of graphs merged into one: its norm layers see the nodes of every graph, not batch-size samples.
  // A unit test's batches are sized for the test: `fit(x, y, batch_size=2)` checks that training runs.)
  if (loader.batchesGraphs || loader.inUnitTest) return undefined;
  for (const m of loaderModels(ir, loader)) {
    const trainable = trainableBatchNorms(m.facts, m.steps);
    const batchNorms = keep ? trainable.filter(keep) : trainable;
    if (batchNorms.length > 0) return { ...m, batchNorms };
  }
  return undefined;
}

/**
 * Keras: a model (or a model a functional model calls, `LayerFact.owner`) whose last `trainable`
 * assignment before the `fit` freezes its BatchNormalization layers: since TensorFlow 2 a
 * BatchNormalization layer that is not trainable runs in inference mode (its moving statistics,
 * not the batch's), so the fit trains none of its statistics. `trainable = True` after it
 * (unfreezing to fine-tune, also a loop over part of the layers) undoes that.
 */
function kerasTrainableAt(ir: FileIR, loader: DataLoaderIR, model: string, facts: ModelFacts): ModelFacts {
  if (loader.framework !== 'keras' && loader.framework !== 'tf.data') return facts;
  const frozen = (targets: readonly string[]): boolean => kerasBatchNormTrainable(ir, targets, loader.span.startOffset)?.value === false;
  const batchNorms = facts.batchNorms.filter((l) => !frozen(l.owner === undefined ? [model] : [l.owner, model]));
  if (batchNorms.length === facts.batchNorms.length) return facts;
  return { ...facts, batchNorms, ...(batchNorms.length === 0 && frozen([model]) ? { frozenBatchNorm: true } : {}) };
}

/**
 * Keras: the last `trainable` assignment before `offset` that decides whether the
 * BatchNormalization layers of `targets` (a model, and the base model whose layers they are) are
 * trainable: `model.trainable = X`, or a loop over the layers of one that sets them
 * (`for layer in base.layers[-20:]: layer.trainable = True`). A loop that skips them decides
 * nothing; one over part of the layers that freezes them leaves the others as they were; under
 * another test (`if layer.name.startswith(...)`), freezing counts and unfreezing does not (the
 * cautious reading of both).
 */
export function kerasBatchNormTrainable(ir: FileIR, targets: readonly string[], offset: number): { readonly assignment: TrainableAssignment; readonly value: boolean } | undefined {
  const k = ir.training.keras;
  let last: { assignment: TrainableAssignment; value: boolean } | undefined;
  for (const [list, value] of [[k.trainableFalse, false], [k.trainableTrue ?? [], true]] as const) {
    for (const t of list) {
      if (!targets.includes(t.target) || t.span.startOffset >= offset || (last && t.span.startOffset <= last.assignment.span.startOffset)) continue;
      const bn = t.layers?.batchNorm;
      if (bn === 'skipped' || (bn === 'unknown' && value) || (t.layers?.slice !== undefined && !value && bn !== 'only')) continue;
      last = { assignment: t, value };
    }
  }
  return last;
}

/** BatchNorm layers that still compute batch statistics during training (not frozen). */
function trainableBatchNorms(facts: ModelFacts, steps: readonly SiteIR[]): readonly LayerFact[] {
  if (facts.trainKeepsBatchNormFrozen) return [];
  // Frozen BN: at every training step over this loader, the BN modules are in eval mode.
  const frozenAtSteps = steps.length > 0 && steps.every((s) => {
    const t = s.targets?.find((x) => x.key === s.modelInCaller);
    return t !== undefined && !t.batchNormMode.modes.includes('train') && t.batchNormMode.modes.includes('eval') && !t.batchNormMode.unresolved;
  });
  return frozenAtSteps ? [] : facts.batchNorms;
}

/** Inserts `line` on its own line before the statement at `span` (keeping its indentation). */
export function insertBefore(span: Span, indent: string, line: string): TextEdit {
  const at: Span = { start: span.start, end: span.start, startOffset: span.startOffset, endOffset: span.startOffset };
  return { span: at, newText: `${line}\n${indent}` };
}

/** Adds a keyword argument before the closing parenthesis of an argument list. */
export function addKeyword(text: string, argumentsSpan: Span, keyword: string): TextEdit {
  const close = argumentsSpan.endOffset - 1;
  let i = close - 1;
  while (i > argumentsSpan.startOffset && /\s/.test(text[i] ?? '')) i--;
  const prev = text[i];
  const insertAt = i + 1;
  const newText = prev === '(' ? keyword : prev === ',' ? ` ${keyword}` : `, ${keyword}`;
  const pos = positionAt(text, insertAt);
  return { span: { start: pos, end: pos, startOffset: insertAt, endOffset: insertAt }, newText };
}

export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/** "model.eval() at line 40" style list of the origins of one mode. */
export function originsOf(mode: ModeAt, m: 'train' | 'eval', where: Where): string {
  const os = mode.origins.filter((o) => o.mode === m);
  return os.map((o) => describeOrigin(o, where)).join('; ');
}

/**
 * Where a site reached through calls is, as related locations name it: `in evaluate()`, or for a
 * function of another workspace file `in evaluate() at engine.py:17` (`SiteIR.imported`).
 */
export function siteFunction(site: SiteIR): string {
  return site.imported ? `in ${site.imported.function}() at ${site.imported.file}:${site.imported.line}` : `in ${site.function}()`;
}

export function isModeDependentFacts(facts: ModelFacts): boolean {
  return facts.batchNorms.length > 0 || facts.otherModeDependent.length > 0 || facts.evidence === 'none';
}

/**
 * A `model.training = False` before an inference site, on the model the site finds in training
 * mode: the assignment sets the flag of that one module, not its submodules' (their BatchNorm and
 * Dropout layers keep training mode). The sentence for the message, and a related location.
 */
export function trainingFlagNote(ir: FileIR, site: SiteIR, where: Where): { readonly note: string; readonly related: RelatedLocation } | undefined {
  const before = (site.via[0] ?? site.span).startOffset;
  const flag = (ir.training.trainingFlags ?? []).filter((f) => !f.value && (f.target === site.model || f.target === site.modelInCaller) && f.span.startOffset < before).pop();
  if (!flag) return undefined;
  return {
    note: ` ${flag.target}.training = False (${where(flag.span)}) sets the flag of ${flag.target} alone: its submodules, the BatchNorm and Dropout layers among them, keep training mode; ${flag.target}.eval() sets them all.`,
    related: { span: flag.span, message: `${flag.target}.training = False sets this module's own flag only` },
  };
}

/**
 * What training mode does to a model's mode-dependent layers, for messages: its BatchNorm (and
 * tracked InstanceNorm) layers use the batch's statistics, its Dropout layers stay active.
 * `consequence`: with what follows from it (results depend on the batch, or are random).
 */
export function modeEffects(facts: ModelFacts, consequence: boolean): string {
  const kinds = (list: readonly LayerFact[]) => [...new Set(list.map((l) => l.kind))];
  const other = kinds(facts.otherModeDependent);
  const dropouts = other.filter((k) => DROPOUT_LIKE.test(k));
  const statistics = [...kinds(facts.batchNorms), ...other.filter((k) => !DROPOUT_LIKE.test(k))].slice(0, 3);
  const drops = dropouts.slice(0, 3);
  if (statistics.length === 0 && drops.length === 0) return `its BatchNorm/Dropout layers (if any) use batch statistics / stay active${consequence ? ', so results depend on the batch' : ''}`;
  const parts = [...(statistics.length > 0 ? [`its ${statistics.join(', ')} use batch statistics`] : []), ...(drops.length > 0 ? [`its ${drops.join(', ')} stay active`] : [])];
  if (!consequence) return parts.join(' and ');
  return `${parts.join(' and ')}, so ${statistics.length > 0 ? 'results depend on the batch and the running statistics keep changing' : 'results are random and differ from run to run'}`;
}

/** Dropout-like layer kinds (they drop units in training mode; they hold no statistics). */
const DROPOUT_LIKE = /Dropout|DropPath|StochasticDepth/;

/** What in the model makes its mode matter, for messages. */
export function modeLayers(facts: ModelFacts): string {
  const kinds = [...new Set([...facts.batchNorms, ...facts.otherModeDependent].map((l) => l.kind))];
  if (kinds.length === 0) return 'BatchNorm/Dropout layers (if any)';
  return kinds.slice(0, 3).join(', ');
}

/** Key prefix test: `model` covers `model.backbone` and `model.[BatchNorm]`. */
export function isUnder(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix + '.');
}

/**
 * What to use instead of BatchNorm on small batches, in the framework's own terms (the training
 * loader's framework: Keras `fit` gets Keras' layer names and its freezing rule).
 */
export function smallBatchAdvice(framework: string, synchronized = false): string {
  if ((framework === 'keras' || framework === 'tf.data') && synchronized) return 'Consider a larger global batch, GroupNormalization (or LayerNormalization), or freezing it (`trainable = False`, which in Keras also makes it use its moving statistics).';
  if (framework === 'keras' || framework === 'tf.data') return 'Consider GroupNormalization (or LayerNormalization), BatchNormalization(synchronized=True) across replicas (TensorFlow backend), or freezing it (`trainable = False`, which in Keras also makes it use its moving statistics).';
  if (framework === 'mmengine') return "Consider `norm_cfg=dict(type='SyncBN', requires_grad=True)` across GPUs (or `sync_bn = 'torch'`), GroupNorm (`dict(type='GN', num_groups=32, requires_grad=True)`), or frozen statistics (`norm_eval=True` in the backbone).";
  return 'Consider GroupNorm (or LayerNorm), SyncBatchNorm across devices, or frozen BatchNorm (eval mode / FrozenBatchNorm2d).';
}
