import { ruleTests } from '../../../test/unit/helpers/ruleTester';
import { torchMomentumInKeras } from './rule';

ruleTests(torchMomentumInKeras, {
  valid: [
    'from tensorflow.keras import layers\nbn = layers.BatchNormalization(momentum=0.99)\n',
    { name: 'Keras default', code: 'import keras\nbn = keras.layers.BatchNormalization()\n' },
    { name: 'momentum=0 is deliberate', code: 'from tensorflow.keras import layers\nbn = layers.BatchNormalization(momentum=0.0)\n' },
    { name: 'PyTorch layer with PyTorch momentum', code: 'import torch.nn as nn\nbn = nn.BatchNorm2d(8, momentum=0.1)\n' },
    { name: 'Flax ResNet partial with momentum=0.9', code: 'from functools import partial\nimport flax.linen as nn\nclass R(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n        norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.9)\n        return norm()(x)\n' },
  ],
  invalid: [
    {
      name: 'Keras layer with a PyTorch momentum',
      code: 'import tensorflow as tf\nbn = tf.keras.layers.BatchNormalization(momentum=0.1, epsilon=1e-5)\n',
      findings: [{ messageId: 'torchConvention', line: 2, column: 41, endLine: 2, endColumn: 53, messageIncludes: ['momentum=0.9'] }],
      output: 'import tensorflow as tf\nbn = tf.keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5)\n',
    },
    {
      name: 'Flax BatchNorm through partial',
      code: 'from functools import partial\nimport flax.linen as nn\nclass R(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n        norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.01)\n        return norm()(x)\n',
      findings: [{ messageId: 'torchConvention', line: 6, column: 16, endLine: 6, endColumn: 83 }],
      output: 'from functools import partial\nimport flax.linen as nn\nclass R(nn.Module):\n    @nn.compact\n    def __call__(self, x, train=True):\n        norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.99)\n        return norm()(x)\n',
    },
  ],
});
