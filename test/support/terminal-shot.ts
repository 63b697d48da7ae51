/**
 * A screenshot of a terminal session for a test's artifacts: the bytes a pseudo-terminal showed (text, `\r`, `\n`,
 * `\b`, erase-line `ESC[K`, SGR colours) replayed onto a screen of lines, then drawn as an SVG image (and as plain
 * text), so what a person saw (the spinner's last frame, the colours, the prompt) can be looked at after the run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Cell { ch: string; fg: string | null; bold: boolean }

const COLOURS: Record<number, string> = { 30: '#555', 31: '#e06c75', 32: '#98c379', 33: '#e5c07b', 34: '#61afef', 35: '#c678dd', 36: '#56b6c2', 37: '#ddd' };

/** The screen's lines as cells, after replaying `raw`. */
export function replay(raw: string): Cell[][] {
  const lines: Cell[][] = [[]];
  let row = 0; let col = 0; let fg: string | null = null; let bold = false; let dim = false;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (ch === '\x1b' && raw[i + 1] === '[') {
      // eslint-disable-next-line no-control-regex
      const m = /^\x1b\[([\d;?]*)([A-Za-z])/.exec(raw.slice(i));
      if (!m) continue;
      i += m[0].length - 1;
      if (m[2] === 'K') lines[row] = lines[row]!.slice(0, col);
      if (m[2] === 'm') {
        for (const p of (m[1] || '0').split(';').map(Number)) {
          if (p === 0) { fg = null; bold = false; dim = false; } else if (p === 1) bold = true; else if (p === 2) dim = true; else if (COLOURS[p]) fg = COLOURS[p]!;
        }
      }
      continue;
    }
    if (ch === '\r') { col = 0; continue; }
    if (ch === '\n') { row += 1; col = 0; lines[row] ??= []; continue; }
    if (ch === '\b') { col = Math.max(0, col - 1); continue; }
    if (ch < ' ') continue;
    const line = lines[row]!;
    while (line.length < col) line.push({ ch: ' ', fg: null, bold: false });
    line[col] = { ch, fg: dim ? '#888' : fg, bold };
    col += 1;
  }
  while (lines.length > 1 && lines.at(-1)!.length === 0) lines.pop();
  return lines;
}

export const screenText = (raw: string) => replay(raw).map((l) => l.map((c) => c.ch).join('').trimEnd()).join('\n');

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The screen as an SVG: a dark terminal window, monospace, one <text> per line with coloured spans. */
export function screenSvg(raw: string, title: string): string {
  const lines = replay(raw);
  const cw = 8.4; const lh = 18; const pad = 12; const top = 30;
  const cols = Math.max(80, ...lines.map((l) => l.length));
  const width = Math.ceil(cols * cw + pad * 2); const height = top + lines.length * lh + pad;
  const body = lines.map((l, y) => {
    const spans: string[] = [];
    let run = ''; let style: string | null = null;
    const flush = () => { if (run) spans.push(style ? `<tspan ${style}>${esc(run)}</tspan>` : esc(run)); run = ''; };
    for (const c of l) {
      const s = c.fg || c.bold ? `${c.fg ? `fill="${c.fg}"` : ''}${c.bold ? ' font-weight="bold"' : ''}` : null;
      if (s !== style) { flush(); style = s; }
      run += c.ch;
    }
    flush();
    return `<text x="${pad}" y="${top + (y + 1) * lh - 4}" xml:space="preserve">${spans.join('')}</text>`;
  }).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
<rect width="100%" height="100%" rx="6" fill="#1e1e1e"/>
<circle cx="14" cy="14" r="5" fill="#ff5f56"/><circle cx="30" cy="14" r="5" fill="#ffbd2e"/><circle cx="46" cy="14" r="5" fill="#27c93f"/>
<text x="${width / 2}" y="18" fill="#999" font-family="sans-serif" font-size="12" text-anchor="middle">${esc(title)}</text>
<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14" fill="#ddd">
${body}
</g>
</svg>
`;
}

/** Writes NAME.svg (the screenshot), NAME.txt (the screen as text) and NAME.raw (the bytes) under `dir`. */
export function saveTerminalShot(dir: string, name: string, raw: string, title = name): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.svg`), screenSvg(raw, title));
  writeFileSync(join(dir, `${name}.txt`), screenText(raw) + '\n');
  writeFileSync(join(dir, `${name}.raw`), raw);
}
