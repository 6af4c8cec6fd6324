import { createProgress, type ProgressStream } from '../../bin/progress.js';

function stream(isTTY: boolean): ProgressStream & { text: string } {
  const s = { text: '', isTTY, columns: 80, write: (t: string) => ((s.text += t), true) };
  return s;
}

describe('CLI progress bar', () => {
  test('on a terminal it redraws one line in place and ends with a newline', () => {
    const out = stream(true);
    let t = 0;
    const progress = createProgress('replay', { stream: out, now: () => t, intervalMs: 100 });
    for (let i = 1; i <= 10; i++) {
      t += 50;
      progress.update(i, 10);
    }
    progress.finish('ok');
    const frames = out.text.split('\r').filter(Boolean);
    // Throttled: not one frame per update, but the last (100 %) is always drawn.
    expect(frames.length).toBeLessThan(10);
    expect(frames.length).toBeGreaterThan(2);
    expect(frames[frames.length - 1]).toMatch(/^replay \[#+\] 100% 10\/10 \(0\.5 s\) ok\x1b\[K\n$/);
    expect(out.text.split('\n').length).toBe(2);
  });

  test('on a pipe it stays silent until the summary line', () => {
    const out = stream(false);
    const progress = createProgress('dlq replay', { stream: out });
    for (let i = 1; i <= 500; i++) progress.update(i, 500);
    expect(out.text).toBe('');
    progress.finish();
    expect(out.text).toMatch(/^dlq replay \[#+\] 100% 500\/500 \([\d.]+ s\)\n$/);
  });

  test('without a total it counts', () => {
    const out = stream(true);
    const progress = createProgress('import', { stream: out, intervalMs: 0 });
    progress.update(7);
    expect(out.text).toMatch(/^\rimport: 7 \(/);
  });
});
