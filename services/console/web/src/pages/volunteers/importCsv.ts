// Volunteers from a spreadsheet, in the browser: the columns the registry takes
// (services/registry/volunteer_csv.py), a template to fill in, the file read and split
// into chunks that keep the whole file's line numbers (as `qise import volunteers` does,
// with `first_line`), the registry's reasons in Chinese, and the rejected rows as a CSV
// that Excel opens (UTF-8 with a BOM).
import { fieldMessage } from '../../api/problem'

export interface ImportColumn {
  name: string
  label: string
  required: boolean
  format: string
  example: string
}

export const IMPORT_COLUMNS: readonly ImportColumn[] = [
  { name: 'name', label: '姓名', required: true, format: '1–50 个字', example: '王芳' },
  {
    name: 'phone',
    label: '手机号',
    required: true,
    format: '5–15 位数字，可带 +；同一社区内不能重复',
    example: '13800001234',
  },
  { name: 'gender', label: '性别', required: false, format: '男 / 女（也可写 male、female）', example: '女' },
  { name: 'birth_year', label: '出生年份', required: false, format: '四位年份，1900 年至今年', example: '1980' },
  {
    name: 'is_party_member',
    label: '是否党员',
    required: false,
    format: '是 / 否（也可写 true、false、1、0）；空为否',
    example: '是',
  },
  {
    name: 'party_joined_on',
    label: '入党日期',
    required: false,
    format: '年-月-日，如 2005-07-01；仅党员填写，应在年满 18 岁之后',
    example: '2005-07-01',
  },
  {
    name: 'skills',
    label: '技能',
    required: false,
    format: '多项用英文分号 ; 隔开；最多 20 项，每项不超过 30 个字',
    example: '理发;急救',
  },
]

/** How many records go in one request, as the CLI's default. */
export const ROWS_PER_CHUNK = 100

const BOM = '\uFEFF'
const COLUMN_LABELS = new Map(IMPORT_COLUMNS.map((c) => [c.name, c.label]))

/** One CSV field, quoted when it must be. */
export function csvField(value: string | number): string {
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Rows as CSV text for Excel: a BOM (so Chinese shows right), CRLF line ends. */
export function toCsv(rows: (string | number)[][]): string {
  return BOM + rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n'
}

/** The template to download: the header row and two examples. */
export function templateCsv(): string {
  return toCsv([
    IMPORT_COLUMNS.map((c) => c.name),
    IMPORT_COLUMNS.map((c) => c.example),
    ['李强', '13900005678', '男', '1975', '否', '', '维修'],
  ])
}

export interface DecodedFile {
  text: string
  /** 'GBK' when the file was not UTF-8 and was read as Excel's default Chinese encoding. */
  encoding: 'UTF-8' | 'GBK'
}

/** The file's text (its BOM dropped), or null when it is neither UTF-8 nor GBK. */
export function decodeCsv(bytes: Uint8Array): DecodedFile | null {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'UTF-8' }
  } catch {
    try {
      return { text: new TextDecoder('gb18030', { fatal: true }).decode(bytes), encoding: 'GBK' }
    } catch {
      return null
    }
  }
}

export interface CsvRecord {
  /** The file's line where the record ends (1-based): the line the registry reports. */
  line: number
  fields: string[]
}

export interface ParsedCsv {
  header: string[]
  /** The line where the header ends. */
  headerEnd: number
  /** Every record after the header, empty lines included (as Python's csv.reader gives them). */
  records: CsvRecord[]
}

/** The file's physical lines, each with its line end (CRLF, LF or CR), as Python counts them. */
export function physicalLines(text: string): string[] {
  return text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? []
}

/** Records as Python's csv module reads them (excel dialect, not strict), each with the line
 * it ends on: a record ends with its line unless a quoted field goes on to the next. */
export function parseCsv(text: string): ParsedCsv {
  const all: CsvRecord[] = []
  let fields: string[] = []
  let field = ''
  // start: a field begins; plain/quoted: inside one; quote: a quote inside a quoted field
  let state: 'start' | 'plain' | 'quoted' | 'quote' = 'start'
  let open = false // a record began on an earlier line (in a quoted field)
  const lines = physicalLines(text)
  lines.forEach((raw, index) => {
    if (!open && /^(\r\n|\r|\n)?$/.test(raw)) {
      all.push({ line: index + 1, fields: [] }) // an empty line: csv.reader gives []
      return
    }
    for (const c of raw) {
      if (state === 'quoted') {
        if (c === '"') state = 'quote'
        else field += c
      } else if (c === '\r' || c === '\n') {
        break
      } else if (c === ',') {
        fields.push(field)
        field = ''
        state = 'start'
      } else if (state === 'quote' && c === '"') {
        field += '"'
        state = 'quoted'
      } else if (state === 'start' && c === '"') {
        state = 'quoted'
      } else {
        field += c // a quote inside a plain field, or text after a closing quote, is kept
        state = 'plain'
      }
    }
    open = state === 'quoted'
    if (!open || index === lines.length - 1) {
      fields.push(field)
      all.push({ line: index + 1, fields })
      fields = []
      field = ''
      state = 'start'
      open = false
    }
  })
  const [head, ...records] = all
  return { header: head?.fields ?? [], headerEnd: head?.line ?? 0, records }
}

/** A record with nothing in it: the registry skips it. */
export function isBlank(record: CsvRecord): boolean {
  return record.fields.every((f) => f.trim() === '')
}

/** What is wrong with the header row, in Chinese (as the registry would refuse it). */
export function headerProblems(header: string[]): string[] {
  const names = header.map((h) => h.trim().toLowerCase())
  const problems: string[] = []
  if (names.length === 0 || names.every((n) => n === '')) return ['文件是空的，没有表头行。']
  const missing = ['name', 'phone'].filter((n) => !names.includes(n))
  if (missing.length) {
    problems.push(`表头缺少必需的列：${missing.map((n) => `${n}（${COLUMN_LABELS.get(n)}）`).join('、')}。`)
  }
  const unknown = names.filter((n) => !COLUMN_LABELS.has(n))
  if (unknown.length) {
    problems.push(
      `表头有不认识的列：${unknown.map((n) => n || '（空列名）').join('、')}；可用的列：${IMPORT_COLUMNS.map((c) => c.name).join(', ')}。`,
    )
  }
  return problems
}

export interface ImportChunk {
  /** `first_line` for the registry: so it reports the lines of the whole file. */
  firstLine: number
  /** The header and this chunk's records, as they were in the file. */
  text: string
  /** Records that are not blank, for the progress bar. */
  rows: number
}

/** The header plus up to `rowsPerChunk` records per chunk (services/registry/volunteer_csv.py
 * split_csv), each with the `first_line` that keeps the whole file's line numbers. */
export function splitCsv(text: string, parsed: ParsedCsv, rowsPerChunk = ROWS_PER_CHUNK): ImportChunk[] {
  const lines = physicalLines(text)
  const header = lines.slice(0, parsed.headerEnd).join('')
  const chunks: ImportChunk[] = []
  let start = parsed.headerEnd // index into `lines` of the first line after the last chunk
  for (let i = 0; i < parsed.records.length; i += rowsPerChunk) {
    const part = parsed.records.slice(i, i + rowsPerChunk)
    const end = part[part.length - 1].line
    // In a chunk the registry numbers lines from its header: line = first_line + n - 1.
    chunks.push({
      firstLine: start - parsed.headerEnd + 1,
      text: header + lines.slice(start, end).join(''),
      rows: part.filter((r) => !isBlank(r)).length,
    })
    start = end
  }
  return chunks
}

/** The progress bar's percentage: rows answered for, plus a share of the chunk on its way. */
export function importProgress(doneRows: number, chunkRows: number, uploaded: number, totalRows: number): number {
  if (totalRows <= 0) return 100
  // Sending is the quick half of a chunk; the registry's checks and writes are the rest.
  const share = doneRows + chunkRows * Math.min(Math.max(uploaded, 0), 1) * 0.5
  return Math.min(100, Math.floor((share / totalRows) * 100))
}

const ROW_MESSAGES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^more fields than the header has$/, () => '这一行的列数比表头多（内容里的逗号要用英文引号括起来）'],
  [/^(['"])(.*)\1 is not male\/female\/男\/女$/, (m) => `“${m[2]}”不是 男 或 女`],
  [/^(['"])(.*)\1 is not true\/false \(是\/否\)$/, (m) => `“${m[2]}”不是 是 或 否`],
  [/^(\S+) is already registered here$/, (m) => `该社区已有此手机号（${m[1]}）的志愿者`],
  [/^Input should be a valid integer/, () => '应为整数'],
]

function rowMessage(msg: string): string {
  for (const [pattern, say] of ROW_MESSAGES) {
    const match = msg.match(pattern)
    if (match) return say(match)
  }
  return fieldMessage(msg)
}

/** A rejected row's reason, in Chinese: "field: message; field: message" from the registry. */
export function explainRejection(detail: string): string {
  return detail
    .split('; ')
    .map((part) => {
      const at = part.match(/^([a-z_]+)(?:\.\d+)*: (.*)$/s)
      if (!at) return rowMessage(part)
      const label = at[1] === 'row' ? '' : (COLUMN_LABELS.get(at[1]) ?? at[1])
      return label ? `${label}：${rowMessage(at[2])}` : rowMessage(at[2])
    })
    .join('；')
}

export interface Rejection {
  row: number
  detail: string
}

export interface RejectedRow {
  line: number
  name: string
  phone: string
  reason: string
  /** The row's fields as they were in the file. */
  fields: string[]
}

/** The rejected rows with what the file held on those lines, in line order. */
export function rejectedRows(rejections: Rejection[], parsed: ParsedCsv): RejectedRow[] {
  const byLine = new Map(parsed.records.map((r) => [r.line, r.fields]))
  const names = parsed.header.map((h) => h.trim().toLowerCase())
  const at = (fields: string[], column: string) => {
    const i = names.indexOf(column)
    return i >= 0 ? (fields[i] ?? '').trim() : ''
  }
  return [...rejections]
    .sort((a, b) => a.row - b.row)
    .map((r) => {
      const fields = byLine.get(r.row) ?? []
      return {
        line: r.row,
        name: at(fields, 'name'),
        phone: at(fields, 'phone'),
        reason: explainRejection(r.detail),
        fields,
      }
    })
}

/** The rejected rows as a CSV: line and reason first, then the row as it was in the file,
 * so it can be corrected and (without the first two columns) imported again. */
export function rejectsCsv(rows: RejectedRow[], header: string[]): string {
  return toCsv([['行号', '未导入原因', ...header], ...rows.map((r) => [r.line, r.reason, ...r.fields])])
}
