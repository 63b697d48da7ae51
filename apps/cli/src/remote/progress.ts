/**
 * Progress of a wait (a sandbox becoming ready, a run finishing), always on stderr so stdout stays the result:
 * on a terminal a spinner line rewritten in place (`⠹ sandbox alice-dev: pending (12s)`), otherwise one plain
 * line each time the status changes.
 */
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface ProgressStream { isTTY?: boolean; write(s: string): unknown }

export class Progress {
  private readonly out: ProgressStream;
  private readonly label: string;
  private readonly started = Date.now();
  private status = '';
  private frame = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(label: string, out: ProgressStream = process.stderr) {
    this.out = out;
    this.label = label;
    if (out.isTTY) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  private elapsed(): number { return Math.floor((Date.now() - this.started) / 1000); }

  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    this.out.write(`\r\x1b[K${FRAMES[this.frame]} ${this.label}: ${this.status} (${this.elapsed()}s)`);
  }

  update(status: string): void {
    if (status === this.status) return;
    this.status = status;
    if (this.out.isTTY) this.draw();
    else this.out.write(`${this.label}: ${status} (${this.elapsed()}s)\n`);
  }

  /** Stops the spinner, leaving a last line (`✓ … ready in 14s`) on a terminal. */
  stop(final?: string): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.out.isTTY) this.out.write(`\r\x1b[K${final ? `${final} (${this.elapsed()}s)\n` : ''}`);
    else if (final) this.out.write(`${final} (${this.elapsed()}s)\n`);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How often waits poll: WINDSOCK_CLI_POLL_MS (tests), default one second. */
export const pollMs = () => Math.max(20, Number(process.env.WINDSOCK_CLI_POLL_MS) || 1000);
