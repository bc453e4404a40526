/**
 * The convolution's filter gradient (`Conv2DBackpropFilter`) for the wasm backend, which lacks it (tfjs 4.22),
 * so that the pixel CNN trains on wasm too. The kernel is written with wasm kernels the backend has: the filter
 * gradient of a stride-s convolution is itself a convolution, of the input with the output's gradient as the
 * filter, dilated by s, with the batch as the channels to sum over:
 *
 *   dW[kh, kw, ci, co] = Σ_n Σ_i Σ_j x[n, i·s + kh, j·s + kw, ci] · dy[n, i, j, co]
 *                      = conv2d(x as [ci, h, w, n], dy as the filter [i, j, n, co], dilation s)[ci, kh, kw, co]
 *
 * (The backend's Conv3DBackpropFilterV2 read as a depth-1 convolution would be shorter, but its results are
 * wrong for strides above 1 in tfjs 4.22; test/learning/wasm-conv-grad.test.ts checks this kernel against the
 * cpu backend's for the Nature CNN's strides and for 'same' padding.)
 */
import { backend_util, getKernel, type KernelBackend, registerKernel, type TensorInfo } from '@tensorflow/tfjs';

interface Attrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/** Runs the wasm backend's own kernel `name`. */
function run(name: string, backend: KernelBackend, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (kernel === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
  return kernel.kernelFunc({ inputs, backend, attrs: attrs as never }) as TensorInfo;
}

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: unknown }): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as Attrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm: only the NHWC data format is supported');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inChannels, outChannels] = filterShape;
  const made: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (made.push(t), t);
  try {
    const { top, bottom, left, right } = info.padInfo;
    const padded =
      top + bottom + left + right === 0
        ? x
        : keep(run('PadV2', backend, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }));
    const xt = keep(run('Transpose', backend, { x: padded }, { perm: [3, 1, 2, 0] })); // [ci, h, w, n]
    const dyt = keep(run('Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] })); // [oh, ow, n, co]
    const full = keep(
      run('Conv2D', backend, { x: xt, filter: dyt }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: [info.strideHeight, info.strideWidth] }),
    ); // [ci, >= kh, >= kw, co]: larger where the stride does not divide the input's span
    const [, fh, fw] = full.shape;
    const cut = fh === kh && fw === kw ? full : keep(run('Slice', backend, { x: full }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] }));
    return run('Transpose', backend, { x: cut }, { perm: [1, 2, 0, 3] }); // [kh, kw, ci, co]
  } finally {
    for (const t of made) backend.disposeData(t.dataId);
  }
}

let registered = false;

/** Registers the kernel once, if the wasm backend has none of its own. */
export function registerWasmConvGrad(): void {
  if (registered || getKernel('Conv2DBackpropFilter', 'wasm') !== undefined) return;
  registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter as never });
  registered = true;
}
