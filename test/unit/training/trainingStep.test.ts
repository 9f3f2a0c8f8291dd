import * as assert from 'assert';
import { parseSyntaxTree, type SyntaxNode } from '../../../src/parsing/python/syntaxTree';
import { initPythonParser } from '../../../src/parsing/python/treeSitter';
import { stepsAnOptimizer, trainingStepCall } from '../../../src/parsing/python/training/util';

/** The outermost call of a one-line statement. */
function callOf(line: string): SyntaxNode {
  const call = parseSyntaxTree(line)?.rootNode.descendantsOfType('call')[0];
  assert.ok(call, line);
  return call;
}

describe('training IR: which calls are a training step', () => {
  before(async () => {
    await initPythonParser();
  });

  it('steps an optimizer: a receiver named for one, or what steps one (a grad scaler, a DeepSpeed engine)', () => {
    for (const line of ['optimizer.step()', 'opt_d.step()', 'self.optimizer_G.step()', 'd_optimizer.step()', 'gen_opt.step()', 'optimizerD.step()', 'scaler.step(optimizer)', 'model_engine.step()', 'optim.step()']) {
      assert.ok(stepsAnOptimizer(callOf(line)), line);
      assert.ok(trainingStepCall(callOf(line)), line);
    }
  });

  it("a scheduler's, an environment's or a counter's step is none", () => {
    for (const line of ['scheduler.step(val_loss)', 'lr_scheduler.step()', 'env.step(action)', 'self.sched.step()', 'step()', 'trainer.fit(model)']) {
      assert.ok(!stepsAnOptimizer(callOf(line)), line);
      assert.ok(!trainingStepCall(callOf(line)), line);
    }
  });

  it('a backward pass is one', () => {
    assert.ok(trainingStepCall(callOf('loss.backward()')));
    assert.ok(trainingStepCall(callOf('scaler.scale(loss).backward()')));
  });
});
