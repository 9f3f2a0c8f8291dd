import * as assert from 'assert';
import { State, val, type Val } from '../../../src/parsing/python/training/state';

// Names of one object (`compiled = torch.compile(model)`, `net = model`, `ddp_model = DDP(model)`):
// the mode analysis's state reads an alias's mode where it names, and switches that object.

const TRAIN = val({ mode: 'train', origin: 1, key: '' });
const EVAL = val({ mode: 'eval', origin: 2, key: '' });
const modes = (v: Val) => [...v.values()].map((f) => (f.mode === 'entry' ? `entry@${f.key}` : `${f.mode}@${f.origin}`)).sort();

describe('mode state: aliases', () => {
  it('an alias reads the mode of what it names now, also below it, and a switch of it is one of that', () => {
    let st = State.EMPTY.set('model', TRAIN).alias('compiled', 'model');
    assert.deepStrictEqual(modes(st.lookup('compiled')), ['train@1']);
    st = st.set(st.switched('model'), EVAL);
    assert.deepStrictEqual(modes(st.lookup('compiled')), ['eval@2']);
    assert.deepStrictEqual(modes(st.lookup('compiled.[BatchNorm]')), ['eval@2']);
    // `compiled.backbone.train()` switches `model.backbone`.
    assert.strictEqual(st.switched('compiled.backbone'), 'model.backbone');
    st = st.set(st.switched('compiled.backbone'), TRAIN);
    assert.deepStrictEqual(modes(st.lookup('model.backbone')), ['train@1']);
    assert.deepStrictEqual(modes(st.lookup('compiled.backbone')), ['train@1']);
    // An alias of a key never set reads that key's mode on entry (a caller's).
    assert.deepStrictEqual(modes(State.EMPTY.alias('net', 'model').lookup('net')), ['entry@model']);
  });

  it('paths that keep the same alias join to it; paths that disagree join to the modes each read', () => {
    const base = State.EMPTY.set('model', TRAIN).alias('fast', 'model');
    const joined = State.join([base, base.set('model', EVAL)]) as State;
    assert.strictEqual(joined.switched('fast'), 'model');
    const other = State.join([base, base.set('fast', EVAL)]) as State;
    assert.strictEqual(other.switched('fast'), 'fast');
    assert.deepStrictEqual(modes(other.lookup('fast')), ['eval@2', 'train@1']);
  });

  it('a name bound to another object leaves its aliases the modes they had (`detached`)', () => {
    const st = State.EMPTY.set('model', TRAIN).alias('compiled', 'model').detached('model').set('model', EVAL);
    assert.deepStrictEqual(modes(st.lookup('compiled')), ['train@1']);
    assert.deepStrictEqual(modes(st.lookup('model')), ['eval@2']);
  });

  it('a cycle of aliases ends (no endless lookup)', () => {
    const st = State.EMPTY.alias('a', 'b').alias('b', 'a');
    assert.ok(st.lookup('a').size > 0);
    assert.ok(['a', 'b'].includes(st.switched('a')));
  });
});
