/**
 * Linear algebra on flat row-major Float64Arrays: the bottom layer of prunus, importing nothing
 * else from the project.
 */

export { matmul, matmulTN, matmulNT } from './matmul.js';
export { cholesky, choleskyFactor, choleskyFactorSolve, choleskySolve, inverseDiagonal, spdSolve, spdInverse, type CholeskyFactor } from './cholesky.js';
export { symmetricEigen, type SymmetricEigen } from './eigen.js';
export { svd, pinv, type SingularValueDecomposition } from './svd.js';
export { identity, transpose, frobeniusNorm, symmetrize } from './basics.js';
