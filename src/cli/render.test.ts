import { describe, expect, it } from 'vitest';
import { displayWidth, renderMarkdownTable, renderTable, truncate } from './render.js';

describe('render', () => {
  it('counts Chinese characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('对抗样本')).toBe(8);
    expect(displayWidth('AI 安全')).toBe(7);
  });

  it('aligns table columns by display width', () => {
    const text = renderTable(
      ['id', 'title'],
      [
        ['a', '对抗'],
        ['bbbb', 'x'],
      ],
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[2]).toBe('a     对抗');
    expect(lines[3]).toBe('bbbb  x');
  });

  it('truncates long cells with an ellipsis', () => {
    expect(truncate('对抗样本检测方法', 7)).toBe('对抗样…');
    expect(displayWidth(truncate('x'.repeat(100), 10))).toBe(10);
  });

  it('escapes pipes in Markdown', () => {
    expect(renderMarkdownTable(['a'], [['x|y']])).toBe('| a |\n| --- |\n| x\\|y |\n');
  });
});
