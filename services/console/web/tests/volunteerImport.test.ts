import { describe, expect, it } from 'vitest'
import {
  IMPORT_COLUMNS,
  decodeCsv,
  explainRejection,
  headerProblems,
  importProgress,
  parseCsv,
  rejectedRows,
  rejectsCsv,
  splitCsv,
  templateCsv,
  toCsv,
} from '../src/pages/volunteers/importCsv'
import { fieldMessage, problemMessage, toProblem } from '../src/api/problem'

const BOM = '\uFEFF'

describe('reading a volunteers CSV', () => {
  it('numbers records by the line they end on, as the registry does', () => {
    // The registry's own test (tests/unit/test_registry_rules.py): lines 2, 4, 6 and 7.
    const parsed = parseCsv('name,phone\nA,13800000001\n\nB,13800000002\n"C\nD",13800000003\nE,13800000004\n')
    expect(parsed.header).toEqual(['name', 'phone'])
    expect(parsed.records.filter((r) => r.fields.length).map((r) => [r.line, r.fields])).toEqual([
      [2, ['A', '13800000001']],
      [4, ['B', '13800000002']],
      [6, ['C\nD', '13800000003']],
      [7, ['E', '13800000004']],
    ])
  })

  it('reads quotes as Python does: doubled quotes, commas inside, CRLF line ends', () => {
    const parsed = parseCsv('name,phone,skills\r\n"王""芳",138,"理发,急救"\r\nab"c,139,x\r\n"A"b,140,\r\nlast,141,y')
    expect(parsed.records.map((r) => [r.line, r.fields])).toEqual([
      [2, ['王"芳', '138', '理发,急救']],
      [3, ['ab"c', '139', 'x']],
      [4, ['Ab', '140', '']],
      [5, ['last', '141', 'y']],
    ])
  })

  it('reads UTF-8 with or without a BOM, and Excel’s GBK', () => {
    const utf8 = new TextEncoder().encode(`${BOM}name,phone\n王芳,138\n`)
    expect(decodeCsv(utf8)).toEqual({ text: 'name,phone\n王芳,138\n', encoding: 'UTF-8' })
    // "王芳" in GBK
    const gbk = new Uint8Array([0x6e, 0x2c, 0x70, 0x0a, 0xcd, 0xf5, 0xb7, 0xbc, 0x2c, 0x31, 0x0a])
    expect(decodeCsv(gbk)).toEqual({ text: 'n,p\n王芳,1\n', encoding: 'GBK' })
    expect(decodeCsv(new Uint8Array([0x61, 0xff, 0xff, 0xff]))).toBeNull()
  })

  it('finds in the header what the registry would refuse', () => {
    expect(headerProblems(['name', 'phone', 'skills'])).toEqual([])
    expect(headerProblems([' Name ', 'PHONE'])).toEqual([])
    expect(headerProblems([])).toEqual(['文件是空的，没有表头行。'])
    expect(headerProblems(['姓名', 'phone'])).toEqual([
      '表头缺少必需的列：name（姓名）。',
      '表头有不认识的列：姓名；可用的列：name, phone, gender, birth_year, is_party_member, party_joined_on, skills。',
    ])
  })
})

describe('chunks that keep the line numbers', () => {
  it('splits after whole records and says where each chunk starts', () => {
    const text = 'name,phone\nA,13800000001\n\nB,13800000002\n"C\nD",13800000003\nE,13800000004\n'
    const chunks = splitCsv(text, parseCsv(text), 2)
    expect(chunks).toEqual([
      { firstLine: 1, text: 'name,phone\nA,13800000001\n\n', rows: 1 },
      { firstLine: 3, text: 'name,phone\nB,13800000002\n"C\nD",13800000003\n', rows: 2 },
      { firstLine: 6, text: 'name,phone\nE,13800000004\n', rows: 1 },
    ])
    // In a chunk the registry reports line = first_line + (the chunk's own line) - 1.
    const lines = chunks.flatMap((c) => parseCsv(c.text).records.filter((r) => r.fields.length).map((r) => c.firstLine + r.line - 1))
    expect(lines).toEqual([2, 4, 6, 7])
  })

  it('sends a small file whole, and a last line without a line end', () => {
    const text = 'name,phone\r\nA,1\r\nB,2'
    expect(splitCsv(text, parseCsv(text))).toEqual([{ firstLine: 1, text, rows: 2 }])
    expect(splitCsv('name,phone\n', parseCsv('name,phone\n'))).toEqual([])
  })

  it('moves the progress bar forward, never past 100', () => {
    expect(importProgress(0, 100, 0, 200)).toBe(0)
    expect(importProgress(0, 100, 1, 200)).toBe(25)
    expect(importProgress(100, 100, 0.5, 200)).toBe(62)
    expect(importProgress(200, 0, 0, 200)).toBe(100)
    expect(importProgress(0, 0, 0, 0)).toBe(100)
  })
})

describe('the registry’s reasons in Chinese', () => {
  it('names the column and says what is wrong', () => {
    expect(explainRejection('phone: a phone number is 5 to 15 digits, optionally after a +')).toBe(
      '手机号：手机号应为 5–15 位数字，可带 +',
    )
    expect(explainRejection("gender: 'x' is not male/female/男/女")).toBe('性别：“x”不是 男 或 女')
    expect(explainRejection("is_party_member: 'maybe' is not true/false (是/否)")).toBe('是否党员：“maybe”不是 是 或 否')
    expect(explainRejection('phone: 137****0001 is already registered here')).toBe(
      '手机号：该社区已有此手机号（137****0001）的志愿者',
    )
    expect(explainRejection('more fields than the header has')).toBe(
      '这一行的列数比表头多（内容里的逗号要用英文引号括起来）',
    )
  })

  it('joins several problems of one row, list items included', () => {
    expect(
      explainRejection(
        'name: String should have at least 1 character; birth_year: Input should be a valid integer, unable to parse string as an integer; skills.0: String should have at most 30 characters',
      ),
    ).toBe('姓名：至少 1 个字；出生年份：应为整数；技能：不能超过 30 个字')
    expect(explainRejection('party_joined_on: party_joined_on is before the volunteer turned 18')).toBe(
      '入党日期：入党日期应在年满 18 岁之后',
    )
  })
})

describe('the files to download', () => {
  it('offers a template with every column, for Excel', () => {
    const template = templateCsv()
    expect(template.startsWith(BOM)).toBe(true)
    const parsed = parseCsv(template.slice(1))
    expect(parsed.header).toEqual(IMPORT_COLUMNS.map((c) => c.name))
    expect(headerProblems(parsed.header)).toEqual([])
    expect(parsed.records.map((r) => r.fields.length)).toEqual([7, 7])
  })

  it('quotes what needs quoting', () => {
    expect(toCsv([['a', 'b,c', 'say "hi"', 'two\nlines', 3]])).toBe(`${BOM}a,"b,c","say ""hi""","two\nlines",3\r\n`)
  })

  it('lists the rejected rows by line, with the reason and the row as it was', () => {
    const parsed = parseCsv('name,phone,gender\n王芳,12ab,女\n李强,13900000001,x\n张伟,13900000002,男\n')
    const rows = rejectedRows(
      [
        { row: 3, detail: "gender: 'x' is not male/female/男/女" },
        { row: 2, detail: 'phone: a phone number is 5 to 15 digits, optionally after a +' },
      ],
      parsed,
    )
    expect(rows.map((r) => [r.line, r.name, r.phone])).toEqual([
      [2, '王芳', '12ab'],
      [3, '李强', '13900000001'],
    ])
    const csv = rejectsCsv(rows, parsed.header)
    expect(csv).toBe(
      `${BOM}行号,未导入原因,name,phone,gender\r\n` +
        '2,手机号：手机号应为 5–15 位数字，可带 +,王芳,12ab,女\r\n' +
        '3,性别：“x”不是 男 或 女,李强,13900000001,x\r\n',
    )
    // What Excel opens is what the page showed.
    expect(parseCsv(csv.slice(1)).records.map((r) => r.fields[0])).toEqual(['2', '3'])
  })
})

describe('answers about a whole file or a volunteer, in Chinese', () => {
  it('says why the registry refused the file', () => {
    const problem = toProblem(
      {
        status: 422,
        detail: 'the header row lacks the column(s): phone',
        errors: [{ loc: ['body', 'file'], msg: 'the header row lacks the column(s): phone' }],
      },
      422,
    )
    expect(problemMessage(problem)).toBe('填写的内容有误，请按提示修改：表头缺少必需的列：phone。')
    expect(problemMessage({ status: 413, detail: 'the CSV is larger than 5000000 bytes; split it' })).toBe(
      '文件过大，请拆分成几个文件分别导入。',
    )
  })

  it('says what went wrong with a volunteer', () => {
    expect(problemMessage({ status: 409, detail: 'the volunteer is already deactivated' })).toBe('该志愿者已停用。')
    expect(fieldMessage('life events are recorded for party members only')).toBe('只有党员才能记录生活事件')
    expect(fieldMessage('occurred_on is in the future')).toBe('发生日期不能晚于今天')
  })
})
