/**
 * The three products of a dense layer's pass, on the flat parameter vector and row-major
 * activations, without packing: forward `z = bias + a·Wᵀ`, weight gradient `∂W += δᵀ·a`, and
 * input gradient `δ_below = δ·W`. Each keeps a 4×4 tile of its result in 16 locals and reads
 * both operands in place, four rows at a time; the remainders go through plain dot products.
 *
 * Why not `linalg/matmul`'s packed kernel: training shapes are skinny (a batch of ~128 rows
 * against 3–256 units), where copying both operands into packed strips and padding edge tiles
 * costs as much as the product itself.
 *
 * Layouts: `a` is `[rows × inputs]`, `W` is `[outputs × inputs]` at `weights[offset…]`, `z` and
 * `δ` are `[rows × outputs]`.
 */

/** `z[r][o] = weights[bias + o] + Σ_i a[r][i]·W[o][i]` for `rows` rows (overwrites z). */
export function linearForward(
  a: Float64Array, rows: number, inputs: number,
  weights: Float64Array, offset: number, bias: number, outputs: number, z: Float64Array,
): void {
  const rowEnd = rows - (rows % 4);
  const outputEnd = outputs - (outputs % 4);
  for (let r = 0; r < rowEnd; r += 4) {
    const a0 = r * inputs, a1 = a0 + inputs, a2 = a1 + inputs, a3 = a2 + inputs;
    for (let o = 0; o < outputEnd; o += 4) {
      const w0 = offset + o * inputs, w1 = w0 + inputs, w2 = w1 + inputs, w3 = w2 + inputs;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let i = 0; i < inputs; i++) {
        const x0 = a[a0 + i]!, x1 = a[a1 + i]!, x2 = a[a2 + i]!, x3 = a[a3 + i]!;
        const y0 = weights[w0 + i]!, y1 = weights[w1 + i]!, y2 = weights[w2 + i]!, y3 = weights[w3 + i]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const b0 = weights[bias + o]!, b1 = weights[bias + o + 1]!, b2 = weights[bias + o + 2]!, b3 = weights[bias + o + 3]!;
      let at = r * outputs + o;
      z[at] = b0 + c00; z[at + 1] = b1 + c01; z[at + 2] = b2 + c02; z[at + 3] = b3 + c03; at += outputs;
      z[at] = b0 + c10; z[at + 1] = b1 + c11; z[at + 2] = b2 + c12; z[at + 3] = b3 + c13; at += outputs;
      z[at] = b0 + c20; z[at + 1] = b1 + c21; z[at + 2] = b2 + c22; z[at + 3] = b3 + c23; at += outputs;
      z[at] = b0 + c30; z[at + 1] = b1 + c31; z[at + 2] = b2 + c32; z[at + 3] = b3 + c33;
    }
  }
  // Remainders: the last outputs of the full row blocks, then every output of the last rows.
  for (let r = 0; r < rows; r++) {
    for (let o = r < rowEnd ? outputEnd : 0; o < outputs; o++) {
      let sum = 0;
      for (let i = 0, ai = r * inputs, wi = offset + o * inputs; i < inputs; i++) sum += a[ai + i]! * weights[wi + i]!;
      z[r * outputs + o] = weights[bias + o]! + sum;
    }
  }
}

/** `gradient[offset + o·inputs + i] += Σ_r δ[r][o]·a[r][i]`: the weight gradient of `rows` rows, added. */
export function addWeightGradient(
  delta: Float64Array, rows: number, outputs: number,
  a: Float64Array, inputs: number, gradient: Float64Array, offset: number,
): void {
  const outputEnd = outputs - (outputs % 4);
  const inputEnd = inputs - (inputs % 4);
  for (let o = 0; o < outputEnd; o += 4) {
    for (let i = 0; i < inputEnd; i += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let r = 0, d = o, x = i; r < rows; r++, d += outputs, x += inputs) {
        const d0 = delta[d]!, d1 = delta[d + 1]!, d2 = delta[d + 2]!, d3 = delta[d + 3]!;
        const x0 = a[x]!, x1 = a[x + 1]!, x2 = a[x + 2]!, x3 = a[x + 3]!;
        c00 += d0 * x0; c01 += d0 * x1; c02 += d0 * x2; c03 += d0 * x3;
        c10 += d1 * x0; c11 += d1 * x1; c12 += d1 * x2; c13 += d1 * x3;
        c20 += d2 * x0; c21 += d2 * x1; c22 += d2 * x2; c23 += d2 * x3;
        c30 += d3 * x0; c31 += d3 * x1; c32 += d3 * x2; c33 += d3 * x3;
      }
      let at = offset + o * inputs + i;
      gradient[at]! += c00; gradient[at + 1]! += c01; gradient[at + 2]! += c02; gradient[at + 3]! += c03; at += inputs;
      gradient[at]! += c10; gradient[at + 1]! += c11; gradient[at + 2]! += c12; gradient[at + 3]! += c13; at += inputs;
      gradient[at]! += c20; gradient[at + 1]! += c21; gradient[at + 2]! += c22; gradient[at + 3]! += c23; at += inputs;
      gradient[at]! += c30; gradient[at + 1]! += c31; gradient[at + 2]! += c32; gradient[at + 3]! += c33;
    }
  }
  for (let o = 0; o < outputs; o++) {
    for (let i = o < outputEnd ? inputEnd : 0; i < inputs; i++) {
      let sum = 0;
      for (let r = 0, d = o, x = i; r < rows; r++, d += outputs, x += inputs) sum += delta[d]! * a[x]!;
      gradient[offset + o * inputs + i]! += sum;
    }
  }
}

/**
 * `below[r][i] = (Σ_o δ[r][o]·W[o][i]) · slope[r][i]` for `rows` rows (overwrites below): the
 * gradient with respect to the layer's input, times σ' of the layer below (none: `null`).
 */
export function inputGradient(
  delta: Float64Array, rows: number, outputs: number,
  weights: Float64Array, offset: number, inputs: number, slope: Float64Array | null, below: Float64Array,
): void {
  const rowEnd = rows - (rows % 4);
  const inputEnd = inputs - (inputs % 4);
  for (let r = 0; r < rowEnd; r += 4) {
    const d0 = r * outputs, d1 = d0 + outputs, d2 = d1 + outputs, d3 = d2 + outputs;
    for (let i = 0; i < inputEnd; i += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let o = 0, w = offset + i; o < outputs; o++, w += inputs) {
        const x0 = delta[d0 + o]!, x1 = delta[d1 + o]!, x2 = delta[d2 + o]!, x3 = delta[d3 + o]!;
        const y0 = weights[w]!, y1 = weights[w + 1]!, y2 = weights[w + 2]!, y3 = weights[w + 3]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let at = r * inputs + i;
      below[at] = c00; below[at + 1] = c01; below[at + 2] = c02; below[at + 3] = c03; at += inputs;
      below[at] = c10; below[at + 1] = c11; below[at + 2] = c12; below[at + 3] = c13; at += inputs;
      below[at] = c20; below[at + 1] = c21; below[at + 2] = c22; below[at + 3] = c23; at += inputs;
      below[at] = c30; below[at + 1] = c31; below[at + 2] = c32; below[at + 3] = c33;
      if (slope !== null) {
        for (let q = 0, k = r * inputs + i; q < 4; q++, k += inputs) {
          below[k]! *= slope[k]!; below[k + 1]! *= slope[k + 1]!; below[k + 2]! *= slope[k + 2]!; below[k + 3]! *= slope[k + 3]!;
        }
      }
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let i = r < rowEnd ? inputEnd : 0; i < inputs; i++) {
      let sum = 0;
      for (let o = 0, d = r * outputs, w = offset + i; o < outputs; o++, w += inputs) sum += delta[d + o]! * weights[w]!;
      below[r * inputs + i] = slope === null ? sum : sum * slope[r * inputs + i]!;
    }
  }
}

/** `gradient[offset + o] += Σ_r δ[r][o]`: the bias gradient of `rows` rows, added. */
export function addColumnSums(delta: Float64Array, rows: number, outputs: number, gradient: Float64Array, offset: number): void {
  for (let r = 0, at = 0; r < rows; r++) {
    for (let o = 0; o < outputs; o++, at++) gradient[offset + o]! += delta[at]!;
  }
}

/**
 * `z[r][o] += Σ_i a[r][i]·W[o][i]` for `rows` rows: {@link linearForward}'s product without the
 * bias, added to what `z` holds (the tangent pass of `fused-gnvp.ts` sums two such products).
 */
export function addLinearProduct(
  a: Float64Array, rows: number, inputs: number,
  weights: Float64Array, offset: number, outputs: number, z: Float64Array,
): void {
  const rowEnd = rows - (rows % 4);
  const outputEnd = outputs - (outputs % 4);
  for (let r = 0; r < rowEnd; r += 4) {
    const a0 = r * inputs, a1 = a0 + inputs, a2 = a1 + inputs, a3 = a2 + inputs;
    for (let o = 0; o < outputEnd; o += 4) {
      const w0 = offset + o * inputs, w1 = w0 + inputs, w2 = w1 + inputs, w3 = w2 + inputs;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let i = 0; i < inputs; i++) {
        const x0 = a[a0 + i]!, x1 = a[a1 + i]!, x2 = a[a2 + i]!, x3 = a[a3 + i]!;
        const y0 = weights[w0 + i]!, y1 = weights[w1 + i]!, y2 = weights[w2 + i]!, y3 = weights[w3 + i]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      let at = r * outputs + o;
      z[at]! += c00; z[at + 1]! += c01; z[at + 2]! += c02; z[at + 3]! += c03; at += outputs;
      z[at]! += c10; z[at + 1]! += c11; z[at + 2]! += c12; z[at + 3]! += c13; at += outputs;
      z[at]! += c20; z[at + 1]! += c21; z[at + 2]! += c22; z[at + 3]! += c23; at += outputs;
      z[at]! += c30; z[at + 1]! += c31; z[at + 2]! += c32; z[at + 3]! += c33;
    }
  }
  for (let r = 0; r < rows; r++) {
    for (let o = r < rowEnd ? outputEnd : 0; o < outputs; o++) {
      let sum = 0;
      for (let i = 0, ai = r * inputs, wi = offset + o * inputs; i < inputs; i++) sum += a[ai + i]! * weights[wi + i]!;
      z[r * outputs + o]! += sum;
    }
  }
}
