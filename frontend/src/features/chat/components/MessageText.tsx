// A message's text as safe rich text: Markdown limited to what chat needs
// (links, `code`, fenced code blocks, **bold**, *italics*, bare URLs) and
// @mentions. Nothing the user writes is ever interpreted as HTML: HTML syntax is
// switched off in the parser (it stays literal text), headings, lists, quotes,
// images and the rest are off too (their marks stay as typed), only the elements
// listed below can come out, and only http(s) and mailto URLs become links
// (opening in a new tab, without access to this page).
import { memo, type ReactNode } from 'react';
import Markdown, { type Components, type Options } from 'react-markdown';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmAutolinkLiteralFromMarkdown } from 'mdast-util-gfm-autolink-literal';
import type { UserSummary } from '../../../types/api';
import { splitMentions } from '../hooks/mentions';

type Plugins = NonNullable<Options['remarkPlugins']>;

interface ParserData {
  micromarkExtensions?: unknown[];
  fromMarkdownExtensions?: unknown[];
}

/** Markdown constructs chat text does not use: what they would match stays plain text. */
const DISABLED_CONSTRUCTS = [
  'blockQuote',
  'characterReference',
  'codeIndented',
  'definition',
  'headingAtx',
  'htmlFlow',
  'htmlText',
  'labelStartImage',
  'list',
  'setextUnderline',
  'thematicBreak',
];

function chatSyntax(this: { data(): ParserData }) {
  const data = this.data();
  (data.micromarkExtensions ??= []).push({ disable: { null: DISABLED_CONSTRUCTS } }, gfmAutolinkLiteral());
  (data.fromMarkdownExtensions ??= []).push(gfmAutolinkLiteralFromMarkdown());
}

interface MdNode {
  type: string;
  value?: string;
  children?: MdNode[];
  data?: Record<string, unknown>;
}

/** Turns `@name` of mentioned users into highlighted spans (not inside links or code). */
function mentionSpans(mentioned: readonly UserSummary[], selfId: number) {
  return () => (tree: MdNode) => {
    const walk = (node: MdNode) => {
      if (!node.children || node.type === 'link') return;
      const out: MdNode[] = [];
      for (const child of node.children) {
        if (child.type !== 'text' || !child.value?.includes('@')) {
          walk(child);
          out.push(child);
          continue;
        }
        for (const part of splitMentions(child.value, mentioned)) {
          if (part.kind === 'text') {
            out.push({ type: 'text', value: part.text });
          } else {
            const self = part.user.id === selfId;
            out.push({
              type: 'mention',
              data: {
                hName: 'span',
                hProperties: { className: self ? ['mention', 'mention--self'] : ['mention'] },
                hChildren: [{ type: 'text', value: part.text }],
              },
            });
          }
        }
      }
      node.children = out;
    };
    walk(tree);
  };
}

const ALLOWED_ELEMENTS = ['p', 'br', 'a', 'strong', 'em', 'code', 'pre', 'span'];

/** Only web and mail links; anything else (javascript:, data:, relative paths) is no link. */
export function safeUrl(url: string): string {
  return /^(https?:\/\/|mailto:)/i.test(url.trim()) ? url.trim() : '';
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  pre: ({ children }) => <pre className="msg-code">{children}</pre>,
};

interface Props {
  content: string;
  /** Users the message mentions (their @names are highlighted). */
  mentions: readonly UserSummary[];
  selfId: number;
}

export const MessageText = memo(function MessageText({ content, mentions, selfId }: Props): ReactNode {
  const plugins: Plugins = [chatSyntax as Plugins[number], mentionSpans(mentions, selfId) as Plugins[number]];
  return (
    <Markdown
      remarkPlugins={plugins}
      allowedElements={ALLOWED_ELEMENTS}
      unwrapDisallowed
      skipHtml
      urlTransform={safeUrl}
      components={components}
    >
      {content}
    </Markdown>
  );
});
