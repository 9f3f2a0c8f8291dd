import * as assert from 'assert';
import { lintPython } from '../../../src/lint/lint';

const codes = (text: string) => lintPython(text).findings.map((f) => `${f.code}@${f.span.start.line + 1}`);

/** A Gradio demo (the Torch Hub page's): a pretrained model loaded at module level (`load`), a `predict` the framework calls. */
const GRADIO = (load: string, after = '') => `import gradio as gr
import torch

model = ${load}
${after}

def predict(image):
    with torch.no_grad():
        scores = model(image.unsqueeze(0)).softmax(1)
    return {str(i): float(scores[0, i]) for i in range(1000)}


gr.Interface(fn=predict, inputs=gr.Image(type="pil"), outputs=gr.Label()).launch()
`;

/** A model class of the file with BatchNorm and Dropout. */
const NET = `import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64, bias=False), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.3), nn.Linear(64, 2))

    def forward(self, x):
        return self.body(x)
`;

describe('training IR: functions a framework calls (serving, demos) and methods that run their instance', () => {
  it('a Gradio predict() of a script without training: the module-level model is in the mode the module leaves it in (NRM202)', () => {
    assert.deepStrictEqual(codes(GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)")), ['NRM202@8']);
    assert.deepStrictEqual(codes(GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True).eval()")), []);
    assert.deepStrictEqual(codes(GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)", 'model.eval()\n')), []);
  });

  it('not when a function of the file switches the model (when the framework calls which is not known), nor in a file that trains', () => {
    assert.deepStrictEqual(codes(GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True).eval()", '\ndef finetune_mode():\n    model.train()\n')), []);
    const trains = GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)", 'optimizer = torch.optim.SGD(model.parameters(), lr=0.01)\nfor x, y in loader:\n    optimizer.zero_grad()\n    model(x).sum().backward()\n    optimizer.step()\n');
    assert.ok(!codes(trains).some((c) => c.startsWith('NRM202@')), codes(trains).join(','));
  });

  it('a caller in view decides where there is one (its copy of the site, not the module-level guess)', () => {
    const called = GRADIO("torch.hub.load('pytorch/vision:v0.10.0', 'resnet18', pretrained=True)").replace('gr.Interface(', 'model.eval()\nprint(predict(example))\nmodel.train()\ngr.Interface(');
    assert.deepStrictEqual(codes(called), []);
  });

  it('a web route (FastAPI, Flask) and a serving handler run the model for inference (NRM201), by decorator or by name', () => {
    const api = `${NET}from fastapi import FastAPI

app = FastAPI()
net = Net()
net.load_state_dict(torch.load("net.pt", map_location="cpu"))


@app.post("/scores")
def scores(batch: list):
    return net(torch.tensor(batch)).softmax(1).tolist()
`;
    assert.deepStrictEqual(codes(api), ['NRM201@21']);
    assert.deepStrictEqual(codes(api.replace('@app.post("/scores")\n', '').replace('def scores(', 'def handler(')), ['NRM201@20']);
    assert.deepStrictEqual(codes(api.replace('map_location="cpu"))\n', 'map_location="cpu"))\nnet.eval()\n')), []);
  });

  it("`self(x)` in a model's own method (`net.predict(x)`): the instance runs in the mode its caller has it in", () => {
    const text = `${NET.replace('        return self.body(x)\n', '        return self.body(x)\n\n    def predict(self, x):\n        with torch.no_grad():\n            return self(x).argmax(1)\n')}

net = Net()
optimizer = torch.optim.Adam(net.parameters())
for x, y in loader:
    loss = nn.functional.cross_entropy(net(x), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(net.predict(x_test))
`;
    assert.deepStrictEqual(codes(text), ['NRM202@14']);
    assert.match(lintPython(text).findings[0]?.message ?? '', /^net runs under torch\.no_grad\(\) \(in predict\(\)\) but is in training mode/);
    assert.deepStrictEqual(codes(text.replace('print(net.predict', 'net.eval()\nprint(net.predict')), []);
  });
});
