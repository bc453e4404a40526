/**
 * The reward-model ensemble as an ONNX model (opset 13, IR version 7, so onnxruntime ≥ 1.6 and every current
 * ONNX tool read it). The graph has one input `obs` float32 [batch, obsSize] ([batch, height, width, channels]
 * for an image spec, channel-last like tfjs's) and one output `reward` float32 [batch, numActions], `batch`
 * being a named dynamic dimension. An image spec's input is transposed once to ONNX's channel-first layout; each
 * member's convolutions are Conv nodes ('valid', weights `member<m>/conv<l>/kernel` [filters, inChannels, size,
 * size] as ONNX wants them, bias `…/bias`), each with its Relu or LeakyRelu, and their output goes back to
 * channel-last before Flatten, so the dense layers read (row, column, channel) as in tfjs. Each member then is a
 * chain of MatMul + Add, with
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
import { type Activation, type FoldedMember, type RewardEnsembleSpec, foldedMembers } from './model-spec.js';

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

/** A float tensor of [batch, ...dims]. */
function floatBatchInfo(name: string, dims: number[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: BATCH_DIM }, ...dims.map((dimValue) => ({ dimValue }))] } } },
  };
}

const ints = (name: string, values: number[]): onnx.IAttributeProto => ({ name, type: AttributeProto.AttributeType.INTS, ints: values });

/** A [size, size, in, out] (HWIO) kernel as ONNX's [out, in, size, size] (OIHW). */
function toOihw(kernel: Float32Array, size: number, inChannels: number, filters: number): Float32Array {
  const out = new Float32Array(kernel.length);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let i = 0; i < inChannels; i++) {
        for (let o = 0; o < filters; o++) out[((o * inChannels + i) * size + y) * size + x] = kernel[((y * size + x) * inChannels + i) * filters + o];
      }
    }
  }
  return out;
}

type Graph = { node: onnx.INodeProto[]; initializer: onnx.ITensorProto[] };

/** Appends the activation node after `h` (none for linear) and returns its output. */
function activate(graph: Graph, h: string, prefix: string, activation: Activation, alpha: number | undefined): string {
  if (activation === 'relu') {
    graph.node.push({ opType: 'Relu', name: `${prefix}/Relu`, input: [h], output: [`${prefix}/relu`] });
    return `${prefix}/relu`;
  }
  if (activation === 'leakyRelu') {
    const attribute: onnx.IAttributeProto = { name: 'alpha', type: AttributeProto.AttributeType.FLOAT, f: alpha };
    graph.node.push({ opType: 'LeakyRelu', name: `${prefix}/LeakyRelu`, input: [h], output: [`${prefix}/leaky_relu`], attribute: [attribute] });
    return `${prefix}/leaky_relu`;
  }
  return h;
}

/** The channel-first copy of an image input, which every member's first Conv reads. */
const OBS_NCHW = 'obs/nchw';

/**
 * Appends one member's nodes and initializers and returns the name of its output: `outputName` if given (the
 * graph's output, for a single member), else a name of its own. The last layer is linear (validated), so its
 * Add gives the member's output.
 */
function addMember(graph: Graph, { convs, layers }: FoldedMember, m: number, outputName?: string): string {
  let h = convs.length > 0 ? OBS_NCHW : 'obs';
  convs.forEach((c, l) => {
    const prefix = `member${m}/conv${l}`;
    graph.initializer.push(
      floatInitializer(`${prefix}/kernel`, [c.filters, c.inChannels, c.size, c.size], toOihw(c.kernel, c.size, c.inChannels, c.filters)),
      floatInitializer(`${prefix}/bias`, [c.filters], c.bias),
    );
    graph.node.push({
      opType: 'Conv',
      name: `${prefix}/Conv`,
      input: [h, `${prefix}/kernel`, `${prefix}/bias`],
      output: [`${prefix}/conv`],
      attribute: [ints('kernel_shape', [c.size, c.size]), ints('strides', [c.stride, c.stride]), ints('pads', [0, 0, 0, 0])],
    });
    h = activate(graph, `${prefix}/conv`, prefix, c.activation, c.alpha);
  });
  if (convs.length > 0) {
    const prefix = `member${m}/flatten`;
    graph.node.push({ opType: 'Transpose', name: `${prefix}/Transpose`, input: [h], output: [`${prefix}/nhwc`], attribute: [ints('perm', [0, 2, 3, 1])] });
    graph.node.push({ opType: 'Flatten', name: `${prefix}/Flatten`, input: [`${prefix}/nhwc`], output: [`${prefix}/flat`], attribute: [{ name: 'axis', type: AttributeProto.AttributeType.INT, i: 1 }] });
    h = `${prefix}/flat`;
  }
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
    h = activate(graph, preActivation, prefix, layer.activation, layer.alpha);
  });
  return h;
}

/** The spec as a serialised ONNX ModelProto. Throws if the spec is invalid. */
export function toOnnx(spec: RewardEnsembleSpec): Uint8Array {
  const members = foldedMembers(spec);
  const graph: Graph = { node: [], initializer: [] };
  const { image } = spec;
  if (image !== undefined) graph.node.push({ opType: 'Transpose', name: 'obs/Transpose', input: ['obs'], output: [OBS_NCHW], attribute: [ints('perm', [0, 3, 1, 2])] });
  const single = members.length === 1;
  const memberOutputs = members.map((layers, m) => addMember(graph, layers, m, single ? 'reward' : undefined));
  if (!single) graph.node.push({ opType: 'Mean', name: 'ensemble/Mean', input: memberOutputs, output: ['reward'] });

  const docString =
    `Reward model of rlhf-arcade: an ensemble of ${members.length} ${image === undefined ? 'MLP(s)' : 'CNN(s) reading channel-last images'}. reward[b, a] is the normalised reward of ` +
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
      input: [floatBatchInfo('obs', image === undefined ? [spec.obsSize] : [image.height, image.width, image.channels])],
      output: [floatBatchInfo('reward', [spec.numActions])],
    },
    metadataProps: [
      { key: 'obs_size', value: String(spec.obsSize) },
      { key: 'num_actions', value: String(spec.numActions) },
      { key: 'members', value: String(members.length) },
    ],
  }).finish();
}
