import type { LayerFact, ModelFacts } from '../../../ir/training';
import { classifyLayer } from '../torchLayers';

/**
 * Models built by well-known library constructors, for scripts that train a torchvision, timm,
 * Hugging Face or Keras Applications model without defining it. Only families whose layers are
 * documented are listed; anything else stays "definition not in view".
 */
const BN_FAMILIES = /^(resnet|resnext|wide_resnet|densenet|mobilenet|efficientnet|regnet|shufflenet|mnasnet|inception|googlenet|vgg\d+_bn|deeplabv3|fcn_|lraspp|seresnet|seresnext|resnest|rexnet|dpn|dla|hrnet|cspdarknet|cspresnet|darknet|xception|nasnet|pnasnet|ghostnet|hardcorenas|tf_efficientnet|tf_mobilenet|fbnet|res2net|skresnet|selecsls|tresnet|nfnet_bn|lcnet|mixnet|spnasnet|mobileone|repvgg|efficientvit_b|fastvit)/;
const DROPOUT_ONLY = /^(vgg\d+$|alexnet|squeezenet)/;
const LAYERNORM_FAMILIES = /^(vit|deit|swin|beit|convnext|eva|cait|xcit|mvit|pvt|twins|coat|crossvit|levit_conv|gcvit)/;

function bnFacts(name: string): ModelFacts {
  const layer: LayerFact = { kind: 'BatchNorm2d', span: undefined };
  return {
    evidence: 'library',
    name,
    batchNorms: [layer],
    otherModeDependent: [],
    affineNorms: [layer],
    trainKeepsBatchNormFrozen: false,
    frozenBatchNorm: false,
  };
}

/**
 * The facts of a BatchNorm-family model built with `norm_layer=` (`resnet50(norm_layer=
 * FrozenBatchNorm2d)` in torchvision detection backbones and DETR, `norm_layer=nn.SyncBatchNorm`,
 * `partial(nn.GroupNorm, 32)`): `normLayer` is the class, import-qualified. A FrozenBatchNorm2d
 * (torchvision's, detectron2's, or a file's own class of that name, as DETR writes one) has fixed
 * statistics and no trainable weights; SyncBatchNorm's statistics are over every process's batch
 * (not counted as per-device BatchNorm, as with a conversion to it); a class the front end does
 * not know leaves the model's norms unknown (undefined).
 */
function withNormLayer(facts: ModelFacts, normLayer: string): ModelFacts | undefined {
  if (/(^|\.)FrozenBatchNorm2d$/.test(normLayer)) return { ...facts, batchNorms: [], affineNorms: [], frozenBatchNorm: true };
  const cls = classifyLayer(normLayer);
  if (cls?.framework !== 'torch' || cls.signature.family !== 'norm') return undefined;
  const layer: LayerFact = { kind: cls.kind, span: undefined };
  const affine = cls.signature.defaults?.['affine'] ?? cls.signature.defaults?.['elementwise_affine'];
  // (SyncBatchNorm computes over every process's batch, as a conversion to it does.)
  return { ...facts, batchNorms: cls.signature.norm === 'batch' && cls.kind !== 'SyncBatchNorm' ? [layer] : [], affineNorms: affine === false ? [] : [layer] };
}

/**
 * Facts for `torchvision.models.resnet50(...)`, `timm.create_model('resnet50')`,
 * `torchvision.models.get_model('resnet50')`, `torch.hub.load('pytorch/vision', 'resnet50')`, or
 * undefined. `stringArg(arg, index, keyword)` gives the call's argument at that position (or of
 * that keyword) when it is a string (read only for the callees that take a name; a function and
 * its argument, not a closure: most calls are none of these). `normLayer`: the class the call
 * passes as `norm_layer=` (see `withNormLayer`), `''` when it passes one that does not resolve.
 */
export function libraryModelFacts<A>(qualified: string, stringArg: StringArgument<A>, arg: A, normLayer?: string): ModelFacts | undefined {
  const facts = libraryFacts(qualified, stringArg, arg);
  return facts && normLayer !== undefined && facts.batchNorms.length > 0 && facts.evidence === 'library' ? withNormLayer(facts, normLayer) : facts;
}

/**
 * Keras Applications (`keras.applications.ResNet50`, `tf.keras.applications.efficientnet.
 * EfficientNetB0`): the families built with BatchNormalization, and ConvNeXt with
 * LayerNormalization. VGG16/19 have neither.
 */
const KERAS_APPLICATIONS = /^(tensorflow\.)?(keras|tf_keras)\.(src\.)?applications\./;
const KERAS_BN_APPLICATIONS = /^(ResNet\d+(V2)?|ResNetRS\d+|MobileNet|MobileNetV2|MobileNetV3(Small|Large)|EfficientNet(B\d|V2B\d|V2[SML])|DenseNet\d+|Xception|InceptionV3|InceptionResNetV2|NASNet(Mobile|Large)|RegNet[XY]\d+)$/;
const KERAS_LN_APPLICATIONS = /^ConvNeXt(Tiny|Small|Base|Large|XLarge)$/;

function kerasApplicationFacts(qualified: string, last: string): ModelFacts | undefined {
  if (KERAS_BN_APPLICATIONS.test(last)) {
    const layer: LayerFact = { kind: 'BatchNormalization', span: undefined };
    return { ...bnFacts(qualified), batchNorms: [layer], affineNorms: [layer], keras: true };
  }
  if (KERAS_LN_APPLICATIONS.test(last)) return { ...bnFacts(qualified), batchNorms: [], affineNorms: [{ kind: 'LayerNormalization', span: undefined }], keras: true };
  return undefined;
}

/**
 * KerasHub / KerasCV models (`keras_hub.models.ResNetBackbone.from_preset("resnet_50_imagenet")`,
 * `keras_hub.models.ImageClassifier.from_preset("efficientnet_b0_ra_imagenet")`,
 * `keras_cv.models.ResNet50V2Backbone()`, `keras_hub.models.BertTextClassifier.from_preset(...)`,
 * `keras_hub.models.CausalLM.from_preset("gemma_2b_en")`): Keras models, their family read from
 * the class or, for the task-generic classes, from the preset's name: BatchNormalization (ResNet,
 * EfficientNet...) or LayerNormalization (ViT, Swin, and the text models: BERT, GPT-2, Llama,
 * Gemma...; their RMS norms are counted with it). Tokenizers and preprocessors are no models.
 */
const KERAS_HUB = /^(keras_hub|keras_cv)\.models\./;
const KERAS_HUB_BN = /^(resnet|efficientnet|mobilenet|densenet|cspdarknet|csp_?darknet|cspnet|csp_?resnet|yolo|retinanet|xception)/;
const KERAS_HUB_LN = /^(vit|deit|mit|segformer|convnext|swin|dinov2|vit_det|sam|clip|siglip|bert|roberta|distil_?bert|albert|electra|deberta|xlm_?roberta|f_?net|gpt2|gpt_?neo|opt|bart|t5|whisper|falcon|bloom|mistral|mixtral|llama|gemma|phi3|qwen)/;
/** KerasHub classes that are not models: tokenizers, preprocessors, image and audio converters. */
const KERAS_HUB_NOT_MODEL = /(Tokenizer|Preprocessor|Converter)$/;
const KERAS_HUB_GENERIC = /^(Backbone|ImageClassifier|ObjectDetector|ImageSegmenter|Task|TextClassifier|CausalLM|MaskedLM|Seq2SeqLM)$/;

function kerasHubFacts<A>(qualified: string, last: string, stringArg: StringArgument<A>, arg: A): ModelFacts | undefined {
  const parts = qualified.split('.');
  const cls = last === 'from_preset' ? (parts[parts.length - 2] ?? '') : last;
  if (KERAS_HUB_NOT_MODEL.test(cls)) return undefined;
  const preset = last === 'from_preset' ? (stringArg(arg, 0, 'preset') ?? '').toLowerCase() : '';
  const family = KERAS_HUB_GENERIC.test(cls) ? preset : cls.replace(/(Backbone|ImageClassifier|ObjectDetector|ImageSegmenter|Detector|TextClassifier|Classifier|CausalLM|MaskedLM|Seq2SeqLM)$/, '').toLowerCase();
  const name = preset ? `${qualified}('${preset}')` : qualified;
  if (KERAS_HUB_BN.test(family)) {
    const layer: LayerFact = { kind: 'BatchNormalization', span: undefined };
    return { ...bnFacts(name), batchNorms: [layer], affineNorms: [layer], keras: true, ...(preset ? { pretrained: true } : {}) };
  }
  if (KERAS_HUB_LN.test(family)) return { ...bnFacts(name), batchNorms: [], affineNorms: [{ kind: 'LayerNormalization', span: undefined }], keras: true, ...(preset ? { pretrained: true } : {}) };
  return undefined;
}

/** A call's argument at a position (or given by a keyword) when it is a string: see `libraryModelFacts`. */
export type StringArgument<A> = (arg: A, index: number, keyword: string) => string | undefined;

/** The facts of torchvision's builder `name` (`resnet50`), told as `shownAs`, or undefined. */
function torchvisionFacts(name: string, shownAs: string): ModelFacts | undefined {
  if (BN_FAMILIES.test(name)) return bnFacts(shownAs);
  if (DROPOUT_ONLY.test(name)) return { ...bnFacts(shownAs), batchNorms: [], affineNorms: [], otherModeDependent: [{ kind: 'Dropout', span: undefined }] };
  if (LAYERNORM_FAMILIES.test(name)) return { ...bnFacts(shownAs), batchNorms: [], otherModeDependent: [], affineNorms: [{ kind: 'LayerNorm', span: undefined }] };
  return undefined;
}

/**
 * The Torch Hub repositories whose entry points are known, and the torchvision-style name each
 * entry point's architecture has (`dino_resnet50` is a ResNet-50, `dinov2_vitb14` a ViT): their
 * hubconf builds the models with torchvision's, timm's or their own ResNet/ViT code. PyTorchVideo's
 * video ResNets and X3D (BatchNorm3d) and MViT (LayerNorm) are told apart by `PYTORCHVIDEO_BN`.
 */
const HUB_REPOS: ReadonlyMap<string, (entry: string) => string> = new Map([
  ['pytorch/vision', (e: string) => e],
  ['facebookresearch/dino', (e: string) => e.replace(/^dino_/, '')],
  ['facebookresearch/dinov2', (e: string) => e.replace(/^dinov2_/, '')],
  ['facebookresearch/deit', (e: string) => e],
  ['facebookresearch/WSL-Images', (e: string) => e.replace(/_wsl$/, '')],
  ['facebookresearch/semi-supervised-ImageNet1K-models', (e: string) => e.replace(/_(swsl|ssl)$/, '')],
  ['NVIDIA/DeepLearningExamples', (e: string) => e.replace(/^nvidia_/, '').toLowerCase()],
]);
const PYTORCHVIDEO_BN = /^(slow_r|slowfast_|x3d_|i3d_r|c2d_r|csn_r|r2plus1d_r|efficient_x3d_)/;

/**
 * `torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)`: a model of a known hub
 * repository (see `HUB_REPOS`). A local directory (`source='local'`) or another repository is not known.
 */
function hubFacts<A>(stringArg: StringArgument<A>, arg: A): ModelFacts | undefined {
  const repo = stringArg(arg, 0, 'repo_or_dir');
  const entry = stringArg(arg, 1, 'model');
  if (repo === undefined || entry === undefined || stringArg(arg, -1, 'source') === 'local') return undefined;
  const name = repo.replace(/:.*$/, '');
  const shownAs = `torch.hub.load('${repo}', '${entry}')`;
  if (name === 'facebookresearch/pytorchvideo') {
    if (PYTORCHVIDEO_BN.test(entry)) {
      const layer: LayerFact = { kind: 'BatchNorm3d', span: undefined };
      return { ...bnFacts(shownAs), batchNorms: [layer], affineNorms: [layer] };
    }
    return /^mvit/.test(entry) ? torchvisionFacts('vit', shownAs) : undefined;
  }
  const arch = HUB_REPOS.get(name)?.(entry);
  return arch === undefined ? undefined : torchvisionFacts(arch, shownAs);
}

/**
 * segmentation_models_pytorch's architectures: an encoder (ResNet, EfficientNet, ... with
 * BatchNorm by default) and a decoder with BatchNorm (`decoder_use_batchnorm=True` by default).
 */
const SMP_ARCHITECTURES = /^segmentation_models_pytorch\.(Unet|UnetPlusPlus|FPN|PSPNet|DeepLabV3|DeepLabV3Plus|Linknet|MAnet|PAN|UPerNet)$/;
/** lukemelas' EfficientNet-PyTorch (`EfficientNet.from_pretrained('efficientnet-b0')`): BatchNorm, and (unlike Hugging Face's) returned in training mode. */
const LUKEMELAS_EFFICIENTNET = /^efficientnet_pytorch\.EfficientNet\.(from_pretrained|from_name)$/;

function libraryFacts<A>(qualified: string, stringArg: StringArgument<A>, arg: A): ModelFacts | undefined {
  const dot = qualified.lastIndexOf('.');
  const last = qualified.slice(dot + 1);
  if (SMP_ARCHITECTURES.test(qualified) || LUKEMELAS_EFFICIENTNET.test(qualified)) return bnFacts(qualified);
  if (KERAS_APPLICATIONS.test(qualified)) return kerasApplicationFacts(qualified, last);
  if (KERAS_HUB.test(qualified)) return kerasHubFacts(qualified, last, stringArg, arg);
  if (qualified === 'torch.hub.load') return hubFacts(stringArg, arg);
  if (qualified === 'torchvision.models.get_model') {
    // (torchvision's builder by name: `get_model('resnet50', weights='DEFAULT')`.)
    const name = stringArg(arg, 0, 'name');
    return name === undefined ? undefined : torchvisionFacts(name.toLowerCase(), `${qualified}('${name}')`);
  }
  if (qualified.startsWith('torchvision.models.')) return torchvisionFacts(last, qualified);
  if (qualified === 'timm.create_model' || qualified === 'timm.models.create_model') {
    const firstStringArg = stringArg(arg, 0, 'model_name');
    if (!firstStringArg) return undefined;
    const arch = firstStringArg.replace(/^(timm|hf[-_]hub):.*\//, '').split('.')[0] ?? '';
    const facts = bnFacts(`timm.create_model('${firstStringArg}')`);
    if (BN_FAMILIES.test(arch)) return facts;
    if (LAYERNORM_FAMILIES.test(arch)) return { ...facts, batchNorms: [], affineNorms: [{ kind: 'LayerNorm', span: undefined }] };
    return undefined;
  }
  // (Models only: `AutoModel*`, `AutoBackbone`, `*For*`, `*Model`; not `AutoTokenizer`, `AutoConfig`, `AutoImageProcessor`.)
  if (last === 'from_pretrained' && dot >= 0 && /^((TF|Flax)?AutoModel\w*|AutoBackbone|\w+For\w+|\w+Model)$/.test(qualified.slice(0, dot).replace(/^transformers\./, ''))) {
    // Convolutional checkpoints (`microsoft/resnet-50`, `google/mobilenet_v2_1.0_224`) or classes
    // (`ResNetForImageClassification`) of the BatchNorm families.
    const parts = qualified.split('.');
    const firstStringArg = stringArg(arg, 0, 'pretrained_model_name_or_path');
    const className = parts[parts.length - 2] ?? '';
    // A TensorFlow class (`TFAutoModel...`, `TFBertModel`) is a Keras model: no train()/eval() mode.
    const keras = /^TF[A-Z]/.test(className);
    const cls = className.replace(/^TF(?=[A-Z])/, '').replace(/(For\w+|Model)$/, '').toLowerCase();
    const checkpoint = (firstStringArg?.split('/').pop() ?? '').toLowerCase();
    if (BN_FAMILIES.test(checkpoint) || (!cls.startsWith('auto') && BN_FAMILIES.test(cls))) {
      const facts = bnFacts(firstStringArg ? `${qualified}('${firstStringArg}')` : qualified);
      if (!keras) return facts;
      const layer: LayerFact = { kind: 'BatchNormalization', span: undefined };
      return { ...facts, batchNorms: [layer], affineNorms: [layer], keras: true };
    }
    // Transformer models: LayerNorm and (by default, hidden_dropout_prob=0.1) Dropout.
    return {
      evidence: 'library',
      name: qualified,
      batchNorms: [],
      otherModeDependent: [{ kind: 'Dropout', span: undefined }],
      affineNorms: [{ kind: keras ? 'LayerNormalization' : 'LayerNorm', span: undefined }],
      trainKeepsBatchNormFrozen: false,
      frozenBatchNorm: false,
      ...(keras ? { keras: true } : {}),
    };
  }
  return undefined;
}

/** Hugging Face `from_pretrained` returns the model in eval mode (`model.eval()` in `PreTrainedModel.from_pretrained`). */
export function loadsInEvalMode(qualified: string): boolean {
  return qualified.endsWith('.from_pretrained') && !LUKEMELAS_EFFICIENTNET.test(qualified);
}

export const OPTIMIZERS: ReadonlyMap<string, number> = new Map([
  ['SGD', 0],
  ['Adam', 0],
  ['AdamW', 0.01],
  ['RMSprop', 0],
  ['Adagrad', 0],
  ['Adadelta', 0],
  ['Adamax', 0],
  ['NAdam', 0],
  ['RAdam', 0],
  ['ASGD', 0],
  ['Rprop', 0],
  ['LBFGS', 0],
  ['SparseAdam', 0],
  ['Adafactor', 0],
  ['LARS', 0],
  ['LAMB', 0],
  ['Lamb', 0],
]);
