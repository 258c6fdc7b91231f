/**
 * The backward pass: reverse-mode accumulation over the recorded graph.
 *
 * Traversal is iterative (an explicit stack), so graphs thousands of ops deep cannot overflow
 * the call stack. Contributions to a tensor used several times are added up. With
 * `createGraph`, the VJPs run with recording on, so the gradients are themselves
 * differentiable.
 */
import { add } from './primitives.js';
import { noGrad, Tensor, withGrad } from './tensor.js';

/** Options of {@link gradients}. */
export interface GradientOptions {
  /** Cotangent of the output (defaults to ones, i.e. the gradient of a scalar or of the sum). */
  readonly seed?: Tensor;
  /** Record the backward pass so the result can be differentiated again. */
  readonly createGraph?: boolean;
}

/**
 * Tensors from which some of `targets` can be reached, in an order where every tensor comes
 * after all the tensors it was computed from (iterative depth-first post-order).
 */
function relevantTopologicalOrder(output: Tensor, targets: ReadonlySet<Tensor>): Tensor[] {
  const order: Tensor[] = [];
  const reaches = new Map<Tensor, boolean>();
  const stack: { tensor: Tensor; next: number }[] = [{ tensor: output, next: 0 }];
  reaches.set(output, false);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const inputs = frame.tensor.node?.inputs ?? [];
    if (frame.next < inputs.length) {
      const input = inputs[frame.next++]!;
      if (input.requiresGrad && !reaches.has(input)) {
        reaches.set(input, false);
        stack.push({ tensor: input, next: 0 });
      }
      continue;
    }
    stack.pop();
    let reachable = targets.has(frame.tensor);
    for (const input of inputs) reachable ||= reaches.get(input) === true;
    reaches.set(frame.tensor, reachable);
    if (reachable) order.push(frame.tensor);
  }
  return order;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Gradients of `output` (contracted with `seed`) with respect to each of `inputs`.
 * An input the output does not depend on gets zeros.
 * @example
 * const x = Tensor.from([1, 2, 3]).asLeaf();
 * const [g] = gradients(sum(square(x)), [x]); // 2x = [2, 4, 6]
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientOptions = {}): Tensor[] {
  const seed = options.seed ?? Tensor.full(output.shape, 1);
  if (seed.size !== output.size) {
    throw new Error(`gradients: seed of shape [${seed.shape.join(', ')}] does not match output [${output.shape.join(', ')}]`);
  }
  const run = options.createGraph === true ? withGrad : noGrad;
  return run(() => {
    const targets = new Set(inputs);
    const cotangents = new Map<Tensor, Tensor>();
    const order = output.requiresGrad ? relevantTopologicalOrder(output, targets) : [];
    if (order.length > 0) cotangents.set(output, seed);
    for (let i = order.length - 1; i >= 0; i--) {
      const tensor = order[i]!;
      const node = tensor.node;
      const g = cotangents.get(tensor);
      if (node === null || g === undefined) continue;
      // A target's own cotangent must survive; anything else is no longer needed.
      if (!targets.has(tensor)) cotangents.delete(tensor);
      const contributions = node.primitive.vjp(g, node.inputs, tensor, node.attrs);
      node.inputs.forEach((input, k) => {
        const contribution = contributions[k];
        if (!input.requiresGrad || contribution == null) return;
        // The whole shape, not just the size: a gradient of the right size in the wrong layout
        // (a transposed square matrix) would otherwise be accepted and silently wrong.
        if (!sameShape(contribution.shape, input.shape)) {
          throw new Error(
            `${node.primitive.name}: the VJP gave input ${k} a gradient of shape [${contribution.shape.join(', ')}], but the input has shape [${input.shape.join(', ')}]`,
          );
        }
        const previous = cotangents.get(input);
        cotangents.set(input, previous === undefined ? contribution : add(previous, contribution));
      });
    }
    return inputs.map((input) => {
      const g = cotangents.get(input);
      if (g === undefined) return Tensor.zeros(input.shape);
      return sameShape(g.shape, input.shape) ? g : new Tensor(g.data, input.shape);
    });
  });
}
