import { describe, expect, it } from 'vitest'
import { ApiError } from '../src/api/problem'
import {
  checkReason,
  exportFileName,
  gatherPersonalData,
  mayExport,
  type PartLoader,
  type PartName,
} from '../src/pages/volunteers/personalData'

const ID = '0190a8a0-0000-7000-8000-000000000001'
const NOW = new Date('2026-03-01T09:30:00')

function loaders(fail: Partial<Record<PartName, number>> = {}): Record<PartName, PartLoader> {
  const part = (service: PartName): PartLoader => async (id) => {
    const status = fail[service]
    if (status) throw new ApiError({ status, detail: `${service} says no` })
    return { service, volunteer: { id } }
  }
  return { registry: part('registry'), activities: part('activities'), requests: part('requests'), stats: part('stats') }
}

describe('personal data export', () => {
  it('gathers every service part into one document', async () => {
    const gathered = await gatherPersonalData(ID, loaders(), NOW)
    expect(gathered.volunteer_id).toBe(ID)
    expect(gathered.exported_at).toBe(NOW.toISOString())
    expect(Object.keys(gathered.parts).sort()).toEqual(['activities', 'registry', 'requests', 'stats'])
    expect(gathered.parts.stats).toEqual({ service: 'stats', volunteer: { id: ID } })
    expect(gathered.missing).toEqual([])
  })

  it('names a part a service could not give, and keeps the rest', async () => {
    const gathered = await gatherPersonalData(ID, loaders({ stats: 404, requests: 503 }), NOW)
    expect(Object.keys(gathered.parts).sort()).toEqual(['activities', 'registry'])
    expect(gathered.missing).toEqual([
      { service: 'requests', status: 503, detail: 'requests says no' },
      { service: 'stats', status: 404, detail: 'stats says no' },
    ])
  })

  it('exports nothing when the registry refuses', async () => {
    await expect(gatherPersonalData(ID, loaders({ registry: 403 }), NOW)).rejects.toBeInstanceOf(ApiError)
  })

  it('names the file by the id and the day, not the person', () => {
    expect(exportFileName(ID, NOW)).toBe(`个人信息-${ID}-2026-03-01.json`)
  })

  it('is for the admins and the volunteer themself', () => {
    expect(mayExport(true, 'admin', ID)).toBe(true)
    expect(mayExport(false, ID, ID)).toBe(true)
    expect(mayExport(false, 'someone-else', ID)).toBe(false)
    expect(mayExport(false, undefined, ID)).toBe(false)
  })
})

describe('erasure reason', () => {
  it('is required and at most 200 characters', () => {
    expect(checkReason('  ')).toBe('请填写删除原因')
    expect(checkReason('本'.repeat(201))).toBe('删除原因不超过 200 个字')
    expect(checkReason(' 本人申请 ')).toBeNull()
  })
})
