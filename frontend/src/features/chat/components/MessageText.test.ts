import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { MessageText, safeUrl } from './MessageText';

const BOB = { id: 2, username: 'bob' };
const ME = { id: 1, username: 'ada' };

const html = (content: string, mentions = [BOB], selfId = ME.id) =>
  renderToStaticMarkup(createElement(MessageText, { content, mentions, selfId }));

/** The markup as the DOM would hold it, to compare its text. */
const text = (markup: string) =>
  markup
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&amp;/g, '&');

describe('MessageText: safe rich text', () => {
  it('shows HTML in content as text, never as elements', () => {
    const out = html('<img src=x onerror="alert(1)"> and <script>alert(2)</script> <b>not bold</b>');
    expect(out).not.toMatch(/<img|<script|<b>/);
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    expect(out).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(text(out)).toBe('<img src=x onerror="alert(1)"> and <script>alert(2)</script> <b>not bold</b>');
  });

  it('an HTML block on its own line stays text too', () => {
    const out = html('<div onclick="x()">\nhi\n</div>');
    expect(out).not.toMatch(/<div/);
    expect(text(out)).toContain('<div onclick="x()">');
  });

  it('makes http(s) links clickable in a new tab without access to the page', () => {
    const out = html('see [the docs](https://example.com/a?b=1) or http://example.org/x');
    expect(out).toContain('<a href="https://example.com/a?b=1" target="_blank" rel="noopener noreferrer">the docs</a>');
    expect(out).toContain('<a href="http://example.org/x" target="_blank" rel="noopener noreferrer">http://example.org/x</a>');
  });

  it('javascript:, data: and relative links are not links', () => {
    for (const url of ['javascript:alert(1)', 'JavaScript:alert(1)', 'data:text/html,<b>x</b>', '/api/rooms', 'vbscript:x']) {
      const out = html(`[click](${url})`);
      expect(out, url).not.toContain('<a');
      expect(out, url).not.toMatch(/href/);
      expect(text(out), url).toBe('click');
    }
    expect(html('<javascript:alert(1)>')).not.toContain('<a');
    expect(safeUrl('mailto:bob@example.com')).toBe('mailto:bob@example.com');
    expect(safeUrl(' javascript:alert(1)')).toBe('');
  });

  it('renders inline code, code blocks, bold and italics', () => {
    expect(html('use `a <b>` here')).toContain('<code>a &lt;b&gt;</code>');
    const block = html('```\nlet x = "<i>";\n**not bold**\n```');
    expect(block).toContain('<pre class="msg-code"><code>let x = &quot;&lt;i&gt;&quot;;\n**not bold**\n</code></pre>');
    expect(html('**bold** and *italics* and _also_')).toContain('<strong>bold</strong> and <em>italics</em> and <em>also</em>');
  });

  it('keeps what chat does not format as typed: headings, lists, quotes, images, entities, indented text', () => {
    expect(text(html('# not a heading'))).toBe('# not a heading');
    expect(text(html('1. one\n- two'))).toBe('1. one\n- two');
    expect(text(html('> quoted'))).toBe('> quoted');
    expect(html('![alt](https://example.com/x.png)')).not.toContain('<img');
    expect(text(html('&amp; &lt;'))).toBe('&amp; &lt;');
    expect(text(html('    indented'))).toBe('indented');
    expect(html('    indented')).not.toContain('<pre');
  });

  it('plain text comes out unchanged, line breaks included', () => {
    expect(html('hello')).toBe('<p>hello</p>');
    expect(text(html('Line one\nline two <b>not bold</b>'))).toBe('Line one\nline two <b>not bold</b>');
  });

  it('highlights mentions of mentioned users, yours distinctly, not in code or links', () => {
    const out = html('hi @bob and @ada, mail me@example.com, `@bob`', [BOB, ME]);
    expect(out).toContain('<span class="mention">@bob</span>');
    expect(out).toContain('<span class="mention mention--self">@ada</span>');
    expect(out).toContain('<code>@bob</code>');
    expect(out).not.toContain('<span class="mention">@example');
    expect(html('hi @carol', [BOB])).not.toContain('mention');
  });
});
