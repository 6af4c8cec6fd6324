/**
 * A progress bar on stderr: redrawn in place on a terminal (at most every 100 ms), a plain line every
 * 10 % otherwise (CI logs, pipes), so stdout stays clean for the JSON summary.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): { update(done: number, total: number): void; end(): void } {
  const started = now();
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      const ratio = total > 0 ? done / total : 1;
      const rate = done / Math.max((t - started) / 1000, 0.001);
      const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
      const text = `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ${Math.floor(ratio * 100)}% ${Math.round(rate)} rows/s ETA ${eta}s`;
      if (stream.isTTY) {
        if (t - lastDraw < 100 && done < total) return;
        lastDraw = t;
        const width = 30;
        const full = Math.round(ratio * width);
        stream.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${text}\u001b[K`);
        drawn = true;
        return;
      }
      const decile = Math.floor(ratio * 10);
      if (decile === lastDecile) return;
      lastDecile = decile;
      stream.write(`import: ${text}\n`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}
