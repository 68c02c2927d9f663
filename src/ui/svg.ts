/** Text and attributes for SVG/HTML built as strings (the page sets them as markup). */
export function esc(s: string | number): string {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `k="v"` pairs; null and undefined values are left out. */
export function attrs(a: Record<string, string | number | boolean | null | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== null && v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? k : `${k}="${esc(v as string | number)}"`))
    .join(' ');
}

export const round = (n: number): number => Math.round(n * 10) / 10;
