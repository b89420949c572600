import { describe, expect, it } from 'vitest'
import {
  blankBranch,
  branchTeamChoices,
  bringsText,
  checkBranchField,
  checkEscalateReason,
  escalationQuery,
  mayEscalate,
  periodText,
  sharedOfBranch,
  teamLabel,
  waitedText,
} from '../src/pages/branch/words'

describe('what a unit brings', () => {
  it('says it in Chinese, in the order given', () => {
    expect(bringsText(['volunteers', 'vehicles', 'funds'])).toBe('志愿者、车辆、资金')
    expect(bringsText(['venues', 'services'])).toBe('场地、服务')
  })
  it('keeps a word it does not know', () => {
    expect(bringsText(['boats'])).toBe('boats')
  })
  it('shows the period', () => {
    expect(periodText('2025-01-01', '2025-12-31')).toBe('2025-01-01 至 2025-12-31')
  })
})

describe('how long an escalation waited', () => {
  const since = '2025-03-01T08:00:00Z'
  const at = (iso: string) => new Date(iso).getTime()
  it('counts minutes, hours and days', () => {
    expect(waitedText(since, at('2025-03-01T08:45:30Z'))).toBe('45 分钟')
    expect(waitedText(since, at('2025-03-01T10:00:00Z'))).toBe('2 小时')
    expect(waitedText(since, at('2025-03-01T10:05:00Z'))).toBe('2 小时 5 分钟')
    expect(waitedText(since, at('2025-03-04T10:05:00Z'))).toBe('3 天 2 小时')
    expect(waitedText(since, at('2025-03-03T08:00:00Z'))).toBe('2 天')
  })
  it('never goes below zero (clocks apart)', () => {
    expect(waitedText(since, at('2025-03-01T07:00:00Z'))).toBe('0 分钟')
  })
  it('stops when it was served', () => {
    expect(waitedText(since, at('2025-04-01T00:00:00Z'), '2025-03-01T09:00:00Z')).toBe('1 小时')
  })
})

describe('the queue', () => {
  it('asks for the waiting ones, or all escalated', () => {
    expect(escalationQuery('waiting')).toEqual({ escalated: true, waiting: true })
    expect(escalationQuery('all')).toEqual({ escalated: true })
    expect(escalationQuery('nonsense')).toEqual({ escalated: true, waiting: true })
  })
})

describe('who may escalate', () => {
  const open = { status: 'submitted', escalated_at: null, community_id: 'home' }
  it("is the order's community's admins and county admins, while open and not yet escalated", () => {
    expect(mayEscalate(open, 'community_admin', ['home'])).toBe(true)
    expect(mayEscalate(open, 'county_admin', ['*'])).toBe(true)
    expect(mayEscalate({ ...open, status: 'accepted' }, 'community_admin', ['home'])).toBe(true)
  })
  it('is nobody else', () => {
    expect(mayEscalate(open, 'community_admin', ['other'])).toBe(false)
    expect(mayEscalate(open, 'branch_admin', ['home'])).toBe(false)
    expect(mayEscalate(open, 'team_leader', ['home'])).toBe(false)
    expect(mayEscalate(open, null, [])).toBe(false)
  })
  it('is never for a closed or already escalated order', () => {
    expect(mayEscalate({ ...open, status: 'completed' }, 'county_admin', ['*'])).toBe(false)
    expect(mayEscalate({ ...open, status: 'cancelled' }, 'county_admin', ['*'])).toBe(false)
    expect(mayEscalate({ ...open, escalated_at: '2025-01-01T00:00:00Z' }, 'county_admin', ['*'])).toBe(false)
  })
  it('needs a reason of at most 500 characters', () => {
    expect(checkEscalateReason('  ')).toBe('请填写上报原因')
    expect(checkEscalateReason('本社区无橙色队')).toBeNull()
    expect(checkEscalateReason('字'.repeat(501))).toBe('不超过 500 个字')
  })
})

describe('the teams an escalated order may go to', () => {
  const team = (id: string, name: string, category: string, extra: Record<string, unknown> = {}) => ({
    id, name, category, community_id: 'n', status: 'active', unit_id: null, ...extra,
  })
  const teams = [
    team('1', '乙橙队', 'orange', { unit_id: 'u1' }),
    team('2', '甲橙队', 'orange'),
    team('3', '绿队', 'green'),
    team('4', '停用橙队', 'orange', { status: 'inactive' }),
  ]
  it("puts the order's color first, the communities' teams before the units', inactive ones out", () => {
    const groups = branchTeamChoices(teams, 'orange')
    expect(groups.map((g) => g.label)).toEqual(['对口服务队', '其他服务队'])
    expect(groups[0].teams.map((t) => t.id)).toEqual(['2', '1'])
    expect(groups[1].teams.map((t) => t.id)).toEqual(['3'])
  })
  it('leaves out an empty group', () => {
    expect(branchTeamChoices(teams, 'purple').map((g) => g.label)).toEqual(['其他服务队'])
  })
  it("names a unit's team with its community and its unit", () => {
    const communities = new Map([['n', '邻里社区']])
    const units = new Map([['u1', '县医院']])
    expect(teamLabel(teams[0], communities, units)).toBe('乙橙队 · 邻里社区 · 驻区单位：县医院')
    expect(teamLabel(teams[1], communities, units)).toBe('甲橙队 · 邻里社区')
  })
})

describe('the branch', () => {
  it("lists the shared resources of its communities only", () => {
    const resources = [
      { id: 'a', community_id: 'x', shared_with_branch: true },
      { id: 'b', community_id: 'x', shared_with_branch: false },
      { id: 'c', community_id: 'far', shared_with_branch: true },
    ]
    expect(sharedOfBranch(resources, ['x', 'y']).map((r) => r.id)).toEqual(['a'])
  })
  it('checks its form as the registry does', () => {
    const draft = { ...blankBranch(), id: 'dongcheng', name: '东城大支部' }
    expect(checkBranchField('id', draft)).toBeNull()
    expect(checkBranchField('id', { ...draft, id: 'Dong' })).toMatch(/小写字母/)
    expect(checkBranchField('name', { ...draft, name: ' ' })).toBe('请填写名称')
    expect(checkBranchField('secretary_phone', draft)).toBeNull()
    expect(checkBranchField('secretary_phone', { ...draft, secretary_phone: '138-0000-1234' })).toBeNull()
    expect(checkBranchField('secretary_phone', { ...draft, secretary_phone: '12' })).toMatch(/5–15/)
  })
})
