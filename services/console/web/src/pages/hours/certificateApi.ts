// The certificate through the activities service: read it (HTML to preview and print,
// PDF to download), issue it (admins), and hand a file to the browser as a download.
import { activities, call } from '../../api/client'
import type { components } from '../../api/schema/activities'
import { fileNameFrom, periodQuery, readCertificate, type CertificateFacts, type Period } from './certificate'

export type IssuedCertificate = components['schemas']['CertificateOut']

export interface Signers {
  person_in_charge: string
  handler: string
}

function query(period: Period, signers: Partial<Signers>, format: 'html' | 'pdf') {
  return {
    ...periodQuery(period),
    format,
    person_in_charge: signers.person_in_charge?.trim() || undefined,
    handler: signers.handler?.trim() || undefined,
  }
}

/** The certificate's page (issued, or a preview marked 预览) and what it says of itself. */
export async function certificateHtml(
  volunteerId: string,
  period: Period,
  signers: Partial<Signers> = {},
): Promise<{ html: string; facts: CertificateFacts }> {
  const html = await call(
    activities.GET('/volunteer-hours/{volunteer_id}/certificate', {
      params: { path: { volunteer_id: volunteerId }, query: query(period, signers, 'html') },
      parseAs: 'text',
    }),
  )
  return { html, facts: readCertificate(html) }
}

/** The certificate as a PDF file, named as the service names it (its number, or preview-…). */
export async function certificatePdf(
  volunteerId: string,
  period: Period,
  signers: Partial<Signers> = {},
): Promise<{ blob: Blob; name: string }> {
  const pending = activities.GET('/volunteer-hours/{volunteer_id}/certificate', {
    params: { path: { volunteer_id: volunteerId }, query: query(period, signers, 'pdf') },
    parseAs: 'blob',
  })
  const blob = await call(pending)
  const { response } = await pending
  const name = fileNameFrom(response.headers.get('Content-Disposition'), `志愿服务证明-${volunteerId}.pdf`)
  return { blob: blob.type ? blob : new Blob([blob], { type: 'application/pdf' }), name }
}

/** Issue the certificate of the period (a new number, or the one issued before). */
export function issueCertificate(volunteerId: string, period: Period): Promise<IssuedCertificate> {
  return call(
    activities.POST('/volunteer-hours/{volunteer_id}/certificate', {
      params: { path: { volunteer_id: volunteerId }, query: periodQuery(period) },
    }),
  )
}

/** Hand a file to the browser as a download. */
export function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.style.display = 'none'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Let the download start before the address is let go.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}
