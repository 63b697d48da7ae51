/**
 * A DAG's or task's `doc_md`, rendered as Markdown (marked, GitHub-flavoured) and then sanitised by DOMPurify.
 * doc_md is written by whoever can commit a DAG file, so it is treated as hostile: raw HTML in it is shown as
 * text (as markdown-it does with html disabled), and DOMPurify then removes whatever Markdown itself could carry
 * (`javascript:` links, handlers), so no script, event handler, iframe or form reaches the page. Links open in a
 * new tab without access to this one.
 */
import { useMemo } from 'preact/hooks';
import { Marked } from 'marked';
import DOMPurify from 'dompurify';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const md = new Marked({ async: false, gfm: true, breaks: false, renderer: { html: ({ text }) => escapeHtml(text) } });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A' && node.getAttribute('href')) {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Markdown to HTML safe to put in the page. */
export function renderMarkdown(src: string): string {
  const html = md.parse(src) as string;
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'], ADD_ATTR: ['target'] });
}

export function Markdown({ source, class: cls }: { source: string; class?: string }) {
  const html = useMemo(() => renderMarkdown(source), [source]);
  // Sanitised in renderMarkdown.
  return <div class={`markdown${cls ? ` ${cls}` : ''}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
