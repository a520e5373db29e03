/**
 * CSV injection: a cell a spreadsheet would evaluate (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is
 * written with a leading `'`, so it stays text. Only a single plain number (`-12`, `+3.5`, `1e3`) is left as it is:
 * `-1-1` is arithmetic, and `+86 138 0013 8000` would be evaluated too.
 */
export function neutraliseFormula(s: string): string {
  return /^[=+\-@\t\r]/.test(s) && !/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? `'${s}` : s;
}

/** One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a quote, a comma or a line break. */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
