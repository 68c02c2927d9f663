import { STRING_COMPARATORS, type StringOrdering } from '../spec/sorting-orders.ts';

/**
 * Orders dimension values in results (topN, groupBy, limitSpec): null first; numbers by value
 * unless a textual order (alphanumeric, strlen, version) asks for their text; strings by the order.
 */
export function dimensionOrder(ordering: StringOrdering = 'lexicographic'): (a: unknown, b: unknown) => number {
  const cmp = STRING_COMPARATORS[ordering];
  const textual = ordering === 'alphanumeric' || ordering === 'strlen' || ordering === 'version';
  return (a, b) => {
    if (!textual && typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
    return cmp(a === null || a === undefined ? null : String(a), b === null || b === undefined ? null : String(b));
  };
}
