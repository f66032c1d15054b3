/**
 * The vocabulary of SQL types that compiled TypeScript may use. In Node they are all plain JavaScript values; the
 * compiler reads the alias names to choose the PL/pgSQL type, so `number` alone is ambiguous and is rejected.
 */

/** SQL `integer` (int4). Values must fit in 32 bits; the server raises an error where JavaScript would not. */
export type int = number;
/** SQL `bigint` (int8). Exact in both worlds up to Number.MAX_SAFE_INTEGER (2^53 - 1). */
export type int8 = number;
/** SQL `double precision` (float8): IEEE 754 like a JavaScript number, NaN and infinities included. */
export type float8 = number;
/** SQL `numeric`: allowed in signatures only; arithmetic on it would be decimal in SQL and binary in JS. */
export type numeric = number;
/** SQL `jsonb`: passed through, never inspected by compiled code. */
export type jsonb = unknown;
/** SQL `timestamptz`: passed through and compared, never computed with. */
export type timestamptz = Date;
/** SQL `interval`: passed through, never computed with. */
export type interval = string;
