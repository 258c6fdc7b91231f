/**
 * Progress on stderr for work that takes longer than about a second (docs/cli.md).
 *
 * Nothing is shown during the first second, so quick runs stay silent. On a terminal a bar is
 * redrawn in place with `\r` (at most ten times a second) and erased when the work is done. In
 * a log (stderr not a TTY) a plain line is printed when a phase has advanced 10% or when 5 s
 * have passed (a fifth of the elapsed time in long runs), and at the end of a phase: about ten
 * lines a phase, a few dozen for a run of hours, so CI logs stay short. `quiet` turns it all off.
 */

/** Options of {@link createProgress}; the defaults are the process's stderr and clock. */
export interface ProgressOptions {
  /** Show nothing (`--quiet`). */
  readonly quiet?: boolean;
  /** Where to write (default `process.stderr`). */
  readonly stream?: { write(text: string): unknown; readonly isTTY?: boolean };
  /** Milliseconds since some origin (default `Date.now`). */
  readonly now?: () => number;
  /** Silence before the first output, ms (default 1000). */
  readonly delay?: number;
}

/** A progress display: report steps of the current phase, then `done()`. */
export interface Progress {
  /**
   * Reports `step` of `total` done; a new `phase` label starts a new phase (the bar restarts).
   * `total` may be an upper limit (an iteration cap): the bar then simply ends early.
   */
  update(step: number, total: number, phase?: string): void;
  /** Ends the display: erases the bar on a terminal. Call it also when the work fails. */
  done(): void;
}

const BAR_WIDTH = 24;

/**
 * A progress display labelled `label` (e.g. `prunus train`).
 * @example
 * const progress = createProgress('prunus train', { quiet: flags.quiet });
 * try { work((step, total) => progress.update(step, total, 'MAP fit')); } finally { progress.done(); }
 */
export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  if (options.quiet === true) return { update: () => {}, done: () => {} };
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const tty = stream.isTTY === true;
  const start = now();
  const delay = options.delay ?? 1000;
  let phase = '';
  let lastDraw = -Infinity;
  let lastFraction = -1;
  let drawn = 0; // length of the bar on screen (TTY)

  const elapsed = (t: number): string => `${((t - start) / 1000).toFixed(0)} s`;

  return {
    update(step, total, newPhase) {
      const t = now();
      if (newPhase !== undefined && newPhase !== phase) {
        phase = newPhase;
        lastFraction = -1;
        lastDraw = -Infinity;
      }
      if (t - start < delay) return;
      const fraction = total > 0 ? Math.min(1, Math.max(0, step / total)) : 0;
      const counts = `${step}/${total}`;
      const name = phase === '' ? label : `${label}: ${phase}`;
      if (tty) {
        if (t - lastDraw < 100 && step < total) return;
        lastDraw = t;
        const filled = Math.round(fraction * BAR_WIDTH);
        const line = `${name} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${counts} ${elapsed(t)}`;
        stream.write(`\r${line.padEnd(drawn)}`);
        drawn = line.length;
        return;
      }
      // A phase that printed a line also prints its end, so a log shows it finished.
      const finished = step >= total && lastFraction >= 0 && lastFraction < 1;
      // The time interval grows with the run (5 s, then a fifth of the time so far), so even
      // a run of hours logs a few dozen lines.
      const interval = Math.max(5000, (t - start) / 5);
      if (!finished && fraction - lastFraction < 0.1 && t - lastDraw < interval) return;
      lastDraw = t;
      lastFraction = fraction;
      stream.write(`${name}: ${counts} (${(fraction * 100).toFixed(0)}%, ${elapsed(t)})\n`);
    },
    done() {
      if (tty && drawn > 0) stream.write(`\r${' '.repeat(drawn)}\r`);
      drawn = 0;
    },
  };
}
