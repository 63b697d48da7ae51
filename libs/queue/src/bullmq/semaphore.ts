/** A counting semaphore: one worker's concurrency shared by the BullMQ workers of its named queues. */
export class Semaphore {
  private held = 0;
  private readonly waiters: Array<() => void> = [];
  private readonly limit: number;
  constructor(limit: number) { this.limit = Math.max(1, limit); }
  get active(): number { return this.held; }
  async acquire(): Promise<void> {
    if (this.held < this.limit) { this.held++; return; }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next(); // the slot passes straight to the waiter
    else this.held--;
  }
}
