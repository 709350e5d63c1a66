/**
 * @module Exports the HMDA logistic model that `aisf mitigate fairness --method baseline --spec`
 * wrote (examples/credit-hmda/model.json) as ONNX: standardise, Gemm, Sigmoid → P(deny = yes).
 * Run: npx tsx scripts/fairness/export-onnx.ts [model.json] [model.onnx]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { newModel } from '../../src/engine/graph/builder.js';
import { checkModel, encodeModel } from '../../src/engine/onnx/index.js';

const [specFile = 'examples/credit-hmda/model.json', outFile = 'examples/credit-hmda/model.onnx'] =
  process.argv.slice(2);
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as {
  features: string[];
  standardizer: { mean: number[]; std: number[] };
  model: { coef: number[]; intercept: number };
};
const d = spec.features.length;
const { model, builder: g } = newModel({
  shape: ['N', d],
  modelVersion: 1,
  docString: `HMDA logistic regression of deny on ${spec.features.join(', ')}`,
  graphName: 'hmda-logistic',
  prefix: 'hmda',
});
const mean = g.constant(Float32Array.from(spec.standardizer.mean), [d], 'mean');
const std = g.constant(Float32Array.from(spec.standardizer.std), [d], 'std');
const w = g.constant(Float32Array.from(spec.model.coef), [1, d], 'W');
const b = g.constant(Float32Array.from([spec.model.intercept]), [1], 'b');
const centred = g.op('Sub', ['x', mean]);
const z = g.op('Div', [centred, std]);
const logit = g.op('Gemm', [z, w, b], { transB: { int: 1 } });
g.node('Sigmoid', [logit], {}, ['prob']);
g.output('prob');
checkModel(model);
writeFileSync(outFile, encodeModel(model));
console.log(`wrote ${outFile} (${d} features)`);
