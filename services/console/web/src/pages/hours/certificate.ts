// The service certificate (志愿服务证明) as the activities service renders it: `GET
// /volunteer-hours/{id}/certificate` answers the issued certificate, or a preview marked
// 预览 without a number; only `POST` issues one. What the page shows of it is read here.

export interface CertificateFacts {
  /** The certificate number, or null for a preview (not issued yet). */
  number: string | null
  /** The day it was issued, YYYY-MM-DD, or null for a preview. */
  issuedOn: string | null
  /** The check code printed beside the number (anyone verifies with it), when shown. */
  checkCode?: string | null
}

const NUMBER_LABEL = /^\s*证明编号[：:]\s*/
// An issued certificate's number line goes on with its check code: 证明编号：…　核验码：ABCD-EFGH.
const CHECK_CODE_LABEL = /\s*核验码[：:]\s*/
const CHINESE_DATE = /(\d{4})年(\d{1,2})月(\d{1,2})日/

/** 2026年1月2日 -> 2026-01-02; null when the text holds no such date. */
export function isoFromChinese(text: string): string | null {
  const m = text.match(CHINESE_DATE)
  if (!m) return null
  return `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`
}

/** 2026-01-02 -> 2026年1月2日 (as the certificate writes it). */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number)
  return `${y}年${m}月${d}日`
}

/** The number and issue date written on a rendered certificate (its HTML). */
export function readCertificate(html: string): CertificateFacts {
  const doc = new DOMParser().parseFromString(html, 'text/html')
  const numberText = doc.querySelector('.number')?.textContent ?? ''
  const [numberPart, codePart] = numberText.split(CHECK_CODE_LABEL)
  const number = numberPart.replace(NUMBER_LABEL, '').trim()
  const checkCode = codePart?.trim() || null
  // A preview says so instead of a number: （未编号，预览）.
  const issued = number !== '' && !number.includes('预览') && !number.startsWith('（')
  if (!issued) return { number: null, issuedOn: null }
  let issuedOn: string | null = null
  for (const row of doc.querySelectorAll('.issuer tr')) {
    if ((row.querySelector('th')?.textContent ?? '').includes('出具日期')) {
      issuedOn = isoFromChinese(row.querySelector('td')?.textContent ?? '')
    }
  }
  return { number, issuedOn, checkCode }
}

/** The file name a Content-Disposition header gives, else `fallback`. */
export function fileNameFrom(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback
  const star = disposition.match(/filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i)
  if (star) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // a malformed encoding: try the plain name
    }
  }
  const plain = disposition.match(/filename\s*=\s*"([^"]+)"|filename\s*=\s*([^;]+)/i)
  const name = plain ? (plain[1] ?? plain[2]).trim() : ''
  return name || fallback
}

export interface Period {
  from: string
  to: string
}

/** The certificate's query: the period's ends when given (empty means open). */
export function periodQuery(period: Period): { from?: string; to?: string } {
  return {
    ...(period.from ? { from: period.from } : {}),
    ...(period.to ? { to: period.to } : {}),
  }
}

/** The period in words, as on the certificate: 全部, 2025年1月1日 起, … */
export function periodText(period: Period): string {
  if (period.from && period.to) return `${chineseDate(period.from)} 至 ${chineseDate(period.to)}`
  if (period.from) return `${chineseDate(period.from)} 起`
  if (period.to) return `截至 ${chineseDate(period.to)}`
  return '全部'
}
