import { describe, expect, it } from 'vitest'
import { ApiError, fieldErrors, problemMessage, toProblem } from '../src/api/problem'
import { categoryColor, categoryName, DEFAULT_CATEGORY_NAMES, SEVEN_COLORS, sortCategories } from '../src/pages/teams/colors'
import {
  blankTeam,
  checkTeamField,
  mayEditTeam,
  mayManageMembers,
  teamBody,
  teamStatusName,
  volunteerLabel,
} from '../src/pages/teams/rules'

describe('the seven colors', () => {
  it('gives each of the seven its own color and a grey to any other', () => {
    const colors = SEVEN_COLORS.map(categoryColor)
    expect(new Set(colors).size).toBe(7)
    expect(colors.every((c) => /^#[0-9a-f]{6}$/.test(c))).toBe(true)
    expect(categoryColor('library')).toBe('#909399')
  })

  it('orders the seven as the source document does, then others by code', () => {
    const shuffled = ['zeta', 'purple', 'red', 'alpha', 'gold', 'cyan', 'orange', 'blue', 'green'].map((code) => ({ code }))
    expect(sortCategories(shuffled).map((c) => c.code)).toEqual([
      'red', 'orange', 'gold', 'green', 'cyan', 'blue', 'purple', 'alpha', 'zeta',
    ])
  })

  it("names a category by the registry's name, else the default, else its code", () => {
    const names = new Map([['red', '红色先锋队']])
    expect(categoryName('red', names)).toBe('红色先锋队')
    expect(categoryName('orange', names)).toBe('橙色关爱')
    expect(categoryName('library', names)).toBe('library')
    expect(Object.keys(DEFAULT_CATEGORY_NAMES)).toEqual([...SEVEN_COLORS])
  })
})

describe('a new team', () => {
  it('checks the fields as the registry does', () => {
    const draft = blankTeam()
    expect(checkTeamField('community_id', draft)).toBe('请选择社区')
    expect(checkTeamField('category', draft)).toBe('请选择服务类别')
    expect(checkTeamField('name', { ...draft, name: '   ' })).toBe('请填写服务队名称')
    expect(checkTeamField('name', { ...draft, name: '队'.repeat(101) })).toBe('名称不能超过 100 个字')
    expect(checkTeamField('name', { ...draft, name: '队'.repeat(100) })).toBeNull()
    expect(checkTeamField('leader_volunteer_id', draft)).toBeNull()
  })

  it('sends the name trimmed and no leader as null', () => {
    expect(teamBody({ community_id: 'longquan', category: 'red', name: ' 先锋队 ', leader_volunteer_id: '', unit_id: '' })).toEqual({
      community_id: 'longquan',
      category: 'red',
      name: '先锋队',
      leader_volunteer_id: null,
      unit_id: null,
    })
    expect(blankTeam('longquan').community_id).toBe('longquan')
  })

  it('says the status and a volunteer in Chinese', () => {
    expect(teamStatusName('active')).toBe('在役')
    expect(teamStatusName('inactive')).toBe('已停用')
    expect(volunteerLabel({ name: '王芳', phone: '138****5678', active: true })).toBe('王芳（138****5678）')
    expect(volunteerLabel({ name: '李强', phone: '13700000001', active: false })).toBe('李强（13700000001） · 已停用')
  })
})

describe('who may change a team', () => {
  const team = { leader_volunteer_id: 'v-1' }
  it('lets the admins edit, and the admins or this team leader manage members', () => {
    expect(mayEditTeam({ role: 'community_admin', sub: 'x' })).toBe(true)
    expect(mayEditTeam({ role: 'county_admin', sub: 'x' })).toBe(true)
    expect(mayEditTeam({ role: 'team_leader', sub: 'v-1' })).toBe(false)
    expect(mayManageMembers({ role: 'community_admin', sub: 'x' }, team)).toBe(true)
    expect(mayManageMembers({ role: 'team_leader', sub: 'v-1' }, team)).toBe(true)
    expect(mayManageMembers({ role: 'team_leader', sub: 'v-2' }, team)).toBe(false)
    expect(mayManageMembers({ role: 'team_leader', sub: 'v-1' }, { leader_volunteer_id: null })).toBe(false)
    expect(mayManageMembers({ role: 'branch_admin', sub: 'x' }, team)).toBe(false)
    expect(mayManageMembers({ role: null, sub: null }, team)).toBe(false)
  })
})

describe("the registry's answers about teams, in Chinese", () => {
  it('puts a volunteer of another community or a deactivated one beside the field', () => {
    const problem = toProblem(
      {
        status: 422,
        detail: 'volunteer 0b9e… is deactivated',
        errors: [{ loc: ['body', 'volunteer_id'], msg: 'volunteer 0b9e2c1a-0000-4000-8000-000000000000 is deactivated' }],
      },
      422,
    )
    expect(fieldErrors(problem, ['volunteer_id'])).toEqual({ volunteer_id: '该志愿者已停用' })
    const other = toProblem(
      { status: 422, errors: [{ loc: ['body', 'leader_volunteer_id'], msg: 'volunteer 0b9e2c1a-0000-4000-8000-000000000000 is not a volunteer of longquan' }] },
      422,
    )
    expect(fieldErrors(other, ['leader_volunteer_id'])).toEqual({ leader_volunteer_id: '不是本社区的志愿者' })
  })

  it('says conflicts and refusals as they are, not as a generic status', () => {
    expect(problemMessage({ status: 409, detail: 'the volunteer is already a member of this team' })).toBe('该志愿者已是本队队员。')
    expect(problemMessage({ status: 409, detail: 'the team is inactive' })).toBe('该服务队已停用。')
    expect(problemMessage({ status: 409, detail: "a team named '先锋队' already exists in longquan" })).toBe('本社区已有同名的服务队。')
    expect(problemMessage({ status: 409, detail: "community 'longquan' already exists" })).toBe('该社区编号已被使用。')
    expect(new ApiError({ status: 403, detail: "only the community's admins or this team's leader may do this" }).message).toBe(
      '只有社区管理员或本队队长可以操作。',
    )
    expect(problemMessage({ status: 409, detail: 'something else' })).toBe('操作与当前数据冲突，请刷新后再试。')
  })
})
