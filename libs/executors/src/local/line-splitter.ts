/** Turns a byte stream into lines (without the newline), keeping a partial last line until it completes. */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly emit: (line: string) => void;
  constructor(emit: (line: string) => void) { this.emit = emit; }
  push(chunk: Buffer | string): void {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const p of parts) this.emit(p.endsWith('\r') ? p.slice(0, -1) : p);
  }
  end(): void {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    if (rest.length > 0) this.emit(rest);
  }
}
