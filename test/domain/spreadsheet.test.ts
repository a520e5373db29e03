import { describe, expect, it } from 'vitest';
import { csvField, neutraliseFormula } from '../../src/domain/spreadsheet';

describe('CSV cells', () => {
  it('every cell a spreadsheet would evaluate stays text; a single plain number stays a number', () => {
    for (const s of ['=1+1', '=HYPERLINK("http://x")', '+1+1', '-1-1', '-1+cmd|" /C calc"!A0', '@SUM(A1)', '\t=1', '\r=1', '+86 138 0013 8000', '-(1)', '- 1'])
      expect(neutraliseFormula(s), JSON.stringify(s)).toBe(`'${s}`);
    for (const s of ['-12', '+3.5', '-0.25', '1e3', '-2E-4', '+8613700000001', '13800138000', '张三', 'a=b', '']) expect(neutraliseFormula(s), s).toBe(s);
  });

  it('quotes a field with a quote, comma or line break (RFC 4180)', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('上海"宏达"')).toBe('"上海""宏达"""');
    expect(csvField('一\n二')).toBe('"一\n二"');
    expect(csvField('plain')).toBe('plain');
  });
});
