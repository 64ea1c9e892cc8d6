/** The values in ascending order, as a new array: callers keep their pings in ping order. */
export function sortedAscending(values: number[]): number[] {
  return values.slice().sort((a, b) => a - b);
}

/** Median of an ascending, non-empty array; the mean of the middle two for an even count. */
export function medianOfSorted(sorted: ArrayLike<number>): number {
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Median absolute deviation of `values` (non-empty) from `center`. */
export function medianAbsoluteDeviation(values: number[], center: number): number {
  const deviations: number[] = [];
  for (const value of values) deviations.push(Math.abs(value - center));
  return medianOfSorted(sortedAscending(deviations));
}

/** Median of a non-empty typed array, which it sorts in place (numerically, as typed arrays sort). */
export function medianInPlace(values: Float64Array | Float32Array): number {
  return medianOfSorted(values.sort());
}
