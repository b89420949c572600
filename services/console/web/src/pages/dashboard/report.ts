// The summary report (GET /reports/summary) as the console shows it: the service's HTML
// read into plain blocks (title, meta line, headings, paragraphs) that the page lays out
// itself, so no markup of the answer is ever put into the page as HTML.

export type BlockKind = 'title' | 'meta' | 'heading' | 'paragraph'

export interface ReportBlock {
  kind: BlockKind
  text: string
}

function kindOf(element: Element): BlockKind | null {
  switch (element.tagName) {
    case 'H1':
      return 'title'
    case 'H2':
      return 'heading'
    case 'P':
      return element.classList.contains('meta') ? 'meta' : 'paragraph'
    default:
      return null
  }
}

/** The report's blocks, in order, from the service's HTML page; other elements are left out. */
export function reportBlocks(html: string): ReportBlock[] {
  const page = new DOMParser().parseFromString(html, 'text/html')
  const blocks: ReportBlock[] = []
  for (const element of Array.from(page.body.querySelectorAll('h1, h2, p'))) {
    const kind = kindOf(element)
    const text = (element.textContent ?? '').trim()
    if (kind && text) blocks.push({ kind, text })
  }
  return blocks
}

export type ReportFormat = 'markdown' | 'html'

const EXTENSIONS: Record<ReportFormat, string> = { markdown: 'md', html: 'html' }

/** A file name for a downloaded report: its title and period, safe on every system. */
export function reportFileName(title: string, period: string, format: ReportFormat): string {
  const safe = `${title}（${period}）`.replace(/[\\/:*?"<>|\s]+/g, '_')
  return `${safe}.${EXTENSIONS[format]}`
}
