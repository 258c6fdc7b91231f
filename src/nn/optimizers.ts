/**
 * First-order optimizers and learning-rate schedules for mini-batch training. Every update
 * is masked: a pruned parameter and its optimizer state stay exactly zero.
 */

/** Updates parameters in place from a gradient. */
export interface Optimizer {
  /** Name for logs and metadata. */
  readonly name: string;
  /** One update of `params` (in place) along `-gradient`, skipping entries where `mask` is 0. */
  step(params: Float64Array, gradient: Float64Array, mask: Float64Array, learningRate: number): void;
}

/** Stochastic gradient descent with (heavy-ball) momentum. */
export class Sgd implements Optimizer {
  readonly name = 'sgd';
  private velocity: Float64Array | null = null;

  /** @param momentum fraction of the previous step carried over (0 = plain SGD). */
  constructor(private readonly momentum = 0.9) {}

  step(params: Float64Array, gradient: Float64Array, mask: Float64Array, learningRate: number): void {
    const v = (this.velocity ??= new Float64Array(params.length));
    for (let j = 0; j < params.length; j++) {
      if (mask[j] === 0) {
        v[j] = 0;
        params[j] = 0;
        continue;
      }
      v[j] = this.momentum * v[j]! + gradient[j]!;
      params[j]! -= learningRate * v[j]!;
    }
  }
}

/** Adam (Kingma & Ba 2015) with bias correction. */
export class Adam implements Optimizer {
  readonly name = 'adam';
  private first: Float64Array | null = null;
  private second: Float64Array | null = null;
  private steps = 0;

  constructor(
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly epsilon = 1e-8,
  ) {}

  step(params: Float64Array, gradient: Float64Array, mask: Float64Array, learningRate: number): void {
    const m = (this.first ??= new Float64Array(params.length));
    const v = (this.second ??= new Float64Array(params.length));
    this.steps++;
    const correction1 = 1 - this.beta1 ** this.steps;
    const correction2 = 1 - this.beta2 ** this.steps;
    for (let j = 0; j < params.length; j++) {
      if (mask[j] === 0) {
        m[j] = 0;
        v[j] = 0;
        params[j] = 0;
        continue;
      }
      const g = gradient[j]!;
      m[j] = this.beta1 * m[j]! + (1 - this.beta1) * g;
      v[j] = this.beta2 * v[j]! + (1 - this.beta2) * g * g;
      params[j]! -= (learningRate * (m[j]! / correction1)) / (Math.sqrt(v[j]! / correction2) + this.epsilon);
    }
  }
}

/** Learning rate as a function of the epoch (0-based). */
export type LearningRateSchedule = (epoch: number) => number;

/** A constant learning rate. */
export function constantSchedule(rate: number): LearningRateSchedule {
  return () => rate;
}

/** Cosine decay from `rate` to `rate·floor` over `epochs` (smooth, no tuning of step points). */
export function cosineSchedule(rate: number, epochs: number, floor = 0.01): LearningRateSchedule {
  return (epoch) => {
    const progress = Math.min(1, epoch / Math.max(1, epochs));
    return rate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
  };
}

/** Multiplies the rate by `factor` every `every` epochs. */
export function stepSchedule(rate: number, every: number, factor = 0.5): LearningRateSchedule {
  return (epoch) => rate * factor ** Math.floor(epoch / Math.max(1, every));
}

/** Makes an optimizer by name (`adam` or `sgd`). */
export function makeOptimizer(name: 'adam' | 'sgd'): Optimizer {
  return name === 'adam' ? new Adam() : new Sgd();
}
