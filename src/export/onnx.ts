/**
 * The reward-model ensemble as an ONNX model (opset 13, IR version 7, so onnxruntime ≥ 1.6 and every current
 * ONNX tool read it). The graph has one input `obs` float32 [batch, obsSize] and one output `reward` float32
 * [batch, numActions], `batch` being a named dynamic dimension. Each member is a chain of MatMul + Add, with
 * Relu or LeakyRelu(alpha) after hidden layers, whose last layer has the member's normalisation folded in; a
 * Mean node averages the members (a single member's last Add is the output). Weights are float initializers
 * (`member<m>/dense<l>/kernel` [inputs, units], `…/bias` [units]) stored as little-endian raw_data. The model
 * says who made it and what the output means in producer_name, doc_string and metadata_props. Load it in
 * Python with `onnxruntime.InferenceSession("reward.onnx").run(None, {"obs": x})[0]` (x: float32 numpy array
 * [batch, obsSize]); in JS with onnxruntime-web or onnxruntime-node: `(await InferenceSession.create(bytes))
 * .run({ obs: new Tensor('float32', data, [batch, obsSize]) })`.
 *
 * Encoding uses onnx-proto, ONNX's own onnx.proto compiled by protobufjs, rather than a hand-written protobuf
 * writer: field numbers and types come from the ONNX schema and are checked by its typings. It is a CommonJS
 * module whose exports Node cannot name statically, hence the default import.
 */
import onnxProto, { type onnx } from 'onnx-proto';
import { type DenseLayerSpec, type RewardEnsembleSpec, foldedMemberLayers } from './model-spec.js';

const { AttributeProto, ModelProto, TensorProto } = onnxProto.onnx;

/** Opset 13 (ONNX 1.8) has every op used here; IR version 7 is the one that ONNX release wrote. */
export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

const BATCH_DIM = 'batch';

function float32LittleEndian(xs: Float32Array): Uint8Array {
  const bytes = new Uint8Array(xs.length * 4);
  const view = new DataView(bytes.buffer);
  xs.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return bytes;
}

function floatInitializer(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: TensorProto.DataType.FLOAT, rawData: float32LittleEndian(values) };
}

function floatMatrixInfo(name: string, columns: number): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: BATCH_DIM }, { dimValue: columns }] } } },
  };
}

/**
 * Appends one member's nodes and initializers and returns the name of its output: `outputName` if given (the
 * graph's output, for a single member), else a name of its own. The last layer is linear (validated), so its
 * Add gives the member's output.
 */
function addMember(graph: { node: onnx.INodeProto[]; initializer: onnx.ITensorProto[] }, layers: DenseLayerSpec[], m: number, outputName?: string): string {
  let h = 'obs';
  layers.forEach((layer, l) => {
    const prefix = `member${m}/dense${l}`;
    const isLast = l === layers.length - 1;
    graph.initializer.push(
      floatInitializer(`${prefix}/kernel`, [layer.inputs, layer.units], layer.kernel),
      floatInitializer(`${prefix}/bias`, [layer.units], layer.bias),
    );
    graph.node.push({ opType: 'MatMul', name: `${prefix}/MatMul`, input: [h, `${prefix}/kernel`], output: [`${prefix}/matmul`] });
    const preActivation = isLast && outputName !== undefined ? outputName : `${prefix}/add`;
    graph.node.push({ opType: 'Add', name: `${prefix}/Add`, input: [`${prefix}/matmul`, `${prefix}/bias`], output: [preActivation] });
    h = preActivation;
    if (layer.activation === 'relu') {
      graph.node.push({ opType: 'Relu', name: `${prefix}/Relu`, input: [h], output: [`${prefix}/relu`] });
      h = `${prefix}/relu`;
    } else if (layer.activation === 'leakyRelu') {
      const alpha: onnx.IAttributeProto = { name: 'alpha', type: AttributeProto.AttributeType.FLOAT, f: layer.alpha };
      graph.node.push({ opType: 'LeakyRelu', name: `${prefix}/LeakyRelu`, input: [h], output: [`${prefix}/leaky_relu`], attribute: [alpha] });
      h = `${prefix}/leaky_relu`;
    }
  });
  return h;
}

/** The spec as a serialised ONNX ModelProto. Throws if the spec is invalid. */
export function toOnnx(spec: RewardEnsembleSpec): Uint8Array {
  const members = foldedMemberLayers(spec);
  const graph = { node: [] as onnx.INodeProto[], initializer: [] as onnx.ITensorProto[] };
  const single = members.length === 1;
  const memberOutputs = members.map((layers, m) => addMember(graph, layers, m, single ? 'reward' : undefined));
  if (!single) graph.node.push({ opType: 'Mean', name: 'ensemble/Mean', input: memberOutputs, output: ['reward'] });

  const docString =
    `Reward model of rlhf-arcade: an ensemble of ${members.length} MLP(s). reward[b, a] is the normalised reward of ` +
    `taking action a given obs[b]: the mean over members of (raw - shift) * scale, folded into the weights.`;
  return ModelProto.encode({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'rlhf-arcade',
    docString,
    graph: {
      name: 'reward_ensemble',
      node: graph.node,
      initializer: graph.initializer,
      input: [floatMatrixInfo('obs', spec.obsSize)],
      output: [floatMatrixInfo('reward', spec.numActions)],
    },
    metadataProps: [
      { key: 'obs_size', value: String(spec.obsSize) },
      { key: 'num_actions', value: String(spec.numActions) },
      { key: 'members', value: String(members.length) },
    ],
  }).finish();
}
