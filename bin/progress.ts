/** Where a progress bar draws: stderr by default, so stdout stays the command's machine-readable answer. */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface Progress {
  /** `done` so far out of `total` (unknown total: a counter instead of a bar). */
  update(done: number, total?: number): void;
  /** Final line (also on non-TTY streams, where nothing is drawn meanwhile). */
  finish(summary?: string): void;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Minimum time between redraws, so a fast loop does not spend its time drawing. */
  intervalMs?: number;
  now?: () => number;
}

function bar(done: number, total: number, width: number): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

/**
 * A one-line progress bar for long CLI operations (replay, erase, DLQ replay, import). On a terminal it
 * redraws in place with `\r`; on a pipe or file it stays silent until `finish`, so logs get one line
 * and not thousands of carriage returns.
 */
export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  const interval = options.intervalMs ?? 100;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const started = now();
  let last = -Infinity;
  let drawn = false;
  let state = { done: 0, total: undefined as number | undefined };

  const line = (): string => {
    const secs = ((now() - started) / 1000).toFixed(1);
    if (state.total === undefined) return `${label}: ${state.done} (${secs} s)`;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - label.length - 30));
    return `${label} ${bar(state.done, state.total, width)} ${state.done}/${state.total} (${secs} s)`;
  };

  return {
    update(done, total) {
      state = { done, total: total ?? state.total };
      if (!tty) return;
      const t = now();
      if (t - last < interval && done !== state.total) return;
      last = t;
      stream.write(`\r${line()}\x1b[K`);
      drawn = true;
    },
    finish(summary) {
      const text = summary ? `${line()} ${summary}` : line();
      stream.write(tty && drawn ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}
