/**
 * Progress of long CLI work, on stderr so stdout stays clean for tables and
 * `--json`: a cli-progress bar when stdout is a terminal, plain lines otherwise
 * (logs, CI, pipes), nothing with `quiet`.
 */
import cliProgress from 'cli-progress';

export interface ProgressTask {
  /** Sets how much of `total` is done. */
  update(done: number): void;
  /** Marks the task done. */
  finish(): void;
}

export interface Progress {
  /** Starts a task of `total` steps labelled `label`. */
  task(label: string, total: number): ProgressTask;
  /** A one-off status line. */
  note(line: string): void;
}

export interface ProgressOptions {
  /** Draw bars (default: when stdout is a terminal). */
  tty?: boolean;
  /** Print nothing. */
  quiet?: boolean;
  /** Where lines and bars go. @default process.stderr */
  stream?: NodeJS.WriteStream;
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { task: () => ({ update: () => undefined, finish: () => undefined }), note: () => undefined };
  if (options.tty ?? process.stdout.isTTY === true) return barProgress(stream);
  return lineProgress(stream);
}

function lineProgress(stream: NodeJS.WriteStream): Progress {
  return {
    task(label, total) {
      const started = performance.now();
      stream.write(`[s3lite] ${label}: started (${total} steps)\n`);
      // Plain lines at each quarter, so a log shows movement without flooding.
      let nextQuarter = 1;
      return {
        update(done) {
          while (total > 0 && nextQuarter < 4 && done >= (total * nextQuarter) / 4) {
            stream.write(`[s3lite] ${label}: ${nextQuarter * 25}%\n`);
            nextQuarter++;
          }
        },
        finish() {
          stream.write(`[s3lite] ${label}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
        },
      };
    },
    note(line) {
      stream.write(`[s3lite] ${line}\n`);
    },
  };
}

function barProgress(stream: NodeJS.WriteStream): Progress {
  return {
    task(label, total) {
      const bar = new cliProgress.SingleBar(
        { stream, format: `${label.padEnd(38)} {bar} {percentage}% | {value}/{total} | {duration}s`, hideCursor: true, clearOnComplete: false },
        cliProgress.Presets.shades_classic,
      );
      bar.start(Math.max(1, total), 0);
      return {
        update: (done) => bar.update(done),
        finish: () => {
          bar.update(Math.max(1, total));
          bar.stop();
        },
      };
    },
    note(line) {
      stream.write(`${line}\n`);
    },
  };
}
