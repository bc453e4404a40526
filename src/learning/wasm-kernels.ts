/**
 * Three fixes to tfjs 4.22's wasm backend, registered when it is picked (./tf.ts):
 *
 * 1. The convolution's filter gradient (`Conv2DBackpropFilter`), which the backend lacks, so that the pixel CNN
 *    trains on wasm too. It is written with wasm kernels the backend has: the filter gradient of a stride-s
 *    convolution is itself a convolution, of the input with the output's gradient as the filter, dilated by s,
 *    with the batch as the channels to sum over:
 *
 *      dW[kh, kw, ci, co] = Σ_n Σ_i Σ_j x[n, i·s + kh, j·s + kw, ci] · dy[n, i, j, co]
 *                         = conv2d(x as [ci, h, w, n], dy as the filter [i, j, n, co], dilation s)[ci, kh, kw, co]
 *
 *    (The backend's Conv3DBackpropFilterV2 read as a depth-1 convolution would be shorter, but its results are
 *    wrong for strides above 1.)
 *
 * 2. The convolution's input gradient (`Conv2DBackpropInput`), a plain loop in the backend, as a convolution
 *    of the dilated output gradient with the turned filter (fastInputGradient below): 0.17 s against 0.46 s in a
 *    pixel update on 80 observations.
 *
 * 3. Matrix products with a transposed operand (`BatchMatMul`, `_FusedMatMul` with transposeA or transposeB,
 *    which every backward pass through a dense layer makes): the backend runs them 5-13 times slower than the
 *    same product of an explicitly transposed copy (80x3136 by 80x512, transposeA: 199 ms against 15 ms), so
 *    they are run that way.
 *
 * test/learning/wasm-kernels.test.ts checks them against the cpu backend's results.
 */
import { backend_util, getKernel, type KernelBackend, type KernelConfig, registerKernel, type TensorInfo, unregisterKernel } from '@tensorflow/tfjs';

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

/** Runs `body` with `keep`, which marks a result as scratch: every one is freed when `body` returns or throws. */
function withScratch(backend: KernelBackend, body: (keep: (t: TensorInfo) => TensorInfo) => TensorInfo): TensorInfo {
  const made: TensorInfo[] = [];
  try {
    return body((t) => (made.push(t), t));
  } finally {
    for (const t of made) backend.disposeData(t.dataId);
  }
}

function conv2dBackpropFilter({ inputs, backend, attrs }: { inputs: Record<string, TensorInfo>; backend: KernelBackend; attrs: unknown }): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as Attrs;
  if (dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm: only the NHWC data format is supported');
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const [kh, kw, inChannels, outChannels] = filterShape;
  return withScratch(backend, (keep) => {
    const { top, left } = info.padInfo;
    // Zeros below and right wherever the output reaches past the input (a rounding mode of 'ceil' or 'round'
    // can ask for more than padInfo gives), so that the convolution below spans whole filters.
    const [, h, w] = x.shape;
    const bottom = Math.max(info.padInfo.bottom, (info.outHeight - 1) * info.strideHeight + kh - h - top);
    const right = Math.max(info.padInfo.right, (info.outWidth - 1) * info.strideWidth + kw - w - left);
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
  });
}

/** A TensorInfo reading the same data in another shape of as many values (what the Reshape kernel returns). */
const view = (x: TensorInfo, shape: number[]): TensorInfo => ({ dataId: x.dataId, shape, dtype: x.dtype });

/**
 * The convolution's input gradient (`Conv2DBackpropInput`), whose wasm kernel is a plain loop: the gradient of a
 * stride-s convolution with filter w is a stride-1 correlation of dy, dilated by s (zeros between its rows and
 * columns) and padded by the filter's size less the forward pad, with w turned by 180 degrees and its channels
 * swapped, which the backend's Conv2D runs fast. NCHW goes to the backend's own kernel.
 */
function fastInputGradient(own: KernelConfig): KernelConfig['kernelFunc'] {
  return ({ inputs, backend: kernelBackend, attrs }) => {
    const backend = kernelBackend as KernelBackend;
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as Omit<Attrs, 'filterShape'> & { inputShape: [number, number, number, number] };
    if (dataFormat === 'NCHW') return own.kernelFunc({ inputs, backend, attrs });
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const [kh, kw, inChannels, outChannels] = filter.shape;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode);
    const [n, h, w] = inputShape;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    if (top < 0 || left < 0) return own.kernelFunc({ inputs, backend, attrs }); // a pad wider than the filter
    return withScratch(backend, (keep) => {
      // dy with s - 1 zeros after each row and column: [n, oh * sh, ow * sw, co].
      const dilated =
        sh === 1 && sw === 1
          ? dy
          : view(
              keep(run('PadV2', backend, { x: view(dy, [n, oh, 1, ow, 1, outChannels]) }, { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 })),
              [n, oh * sh, ow * sw, outChannels],
            );
      // Before: the filter's size less one less the forward pad; after: enough for h x w outputs.
      const bottom = Math.max(0, h + kh - 1 - (oh * sh + top));
      const right = Math.max(0, w + kw - 1 - (ow * sw + left));
      const padded = keep(run('PadV2', backend, { x: dilated }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 }));
      const turned = keep(run('Reverse', backend, { x: filter }, { dims: [0, 1] }));
      const swapped = keep(run('Transpose', backend, { x: turned }, { perm: [0, 1, 3, 2] })); // [kh, kw, co, ci]
      const full = run('Conv2D', backend, { x: padded, filter: swapped }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', dilations: 1 });
      const [, fh, fw] = full.shape;
      if (fh === h && fw === w) return full;
      return run('Slice', backend, { x: keep(full) }, { begin: [0, 0, 0, 0], size: [n, h, w, inChannels] });
    });
  };
}

/** The backend's own matrix product `name`, given operands it need not transpose. */
function untransposed(name: string): KernelConfig {
  const own = getKernel(name, 'wasm');
  if (own === undefined) throw new Error(`the wasm backend has no ${name} kernel`);
  return {
    kernelName: name,
    backendName: 'wasm',
    setupFunc: own.setupFunc,
    kernelFunc: ({ inputs, backend: kernelBackend, attrs }) => {
      const backend = kernelBackend as KernelBackend;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return own.kernelFunc({ inputs, backend, attrs });
      return withScratch(backend, (keep) => {
        const transposed = (x: TensorInfo) => {
          const perm = x.shape.map((_, i) => i);
          [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
          return keep(run('Transpose', backend, { x }, { perm }));
        };
        const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
        const operands = { ...inputs, a: transposeA ? transposed(a) : a, b: transposeB ? transposed(b) : b };
        return own.kernelFunc({ inputs: operands, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
      });
    },
  };
}

let registered = false;

/** Registers the three, once (the filter gradient only if the backend has none of its own). */
export function registerWasmKernels(): void {
  if (registered) return;
  if (getKernel('Conv2DBackpropFilter', 'wasm') === undefined) {
    registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2dBackpropFilter as never });
  }
  const own = getKernel('Conv2DBackpropInput', 'wasm');
  if (own !== undefined) {
    unregisterKernel('Conv2DBackpropInput', 'wasm');
    registerKernel({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', setupFunc: own.setupFunc, kernelFunc: fastInputGradient(own) });
  }
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const config = untransposed(name);
    unregisterKernel(name, 'wasm');
    registerKernel(config);
  }
  registered = true;
}
