import { describe, expect, it } from 'vitest'
import { keptUnit, teamUnitChoices, unitTeamLabel, volunteerUnitChoices } from '../src/pages/units/choices'
import { blankTeam, teamBody } from '../src/pages/teams/rules'
import { blankVolunteer, draftOf, volunteerBody, volunteerPatch } from '../src/pages/volunteers/rules'

const communities = [
  { id: 'longquan', name: '龙泉社区', branch: 'east' },
  { id: 'qingshan', name: '青山社区', branch: 'east' },
  { id: 'far', name: '远方社区', branch: 'west' },
  { id: 'alone', name: '独立社区', branch: null },
]
const units = [
  { id: 'u-hosp', community_id: 'qingshan', name: '县人民医院' },
  { id: 'u-bank', community_id: 'longquan', name: '农商银行' },
  { id: 'u-post', community_id: 'longquan', name: '邮政支局' },
  { id: 'u-far', community_id: 'far', name: '远方中学' },
  { id: 'u-alone', community_id: 'alone', name: '独立单位' },
]

describe('volunteerUnitChoices', () => {
  it('offers the community’s units first, then the branch’s others with their community', () => {
    expect(volunteerUnitChoices(units, 'longquan', communities)).toEqual([
      { id: 'u-bank', label: '农商银行', own: true },
      { id: 'u-post', label: '邮政支局', own: true },
      { id: 'u-hosp', label: '县人民医院（青山社区）', own: false },
    ])
  })
  it('offers only the community’s own without a branch, and nothing without a community', () => {
    expect(volunteerUnitChoices(units, 'alone', communities).map((c) => c.id)).toEqual(['u-alone'])
    expect(volunteerUnitChoices(units, '', communities)).toEqual([])
  })
})

describe('teamUnitChoices', () => {
  it('offers only the team’s community’s units', () => {
    expect(teamUnitChoices(units, 'qingshan').map((c) => c.id)).toEqual(['u-hosp'])
  })
})

describe('keptUnit and unitTeamLabel', () => {
  it('drops a unit no longer among the choices', () => {
    const choices = teamUnitChoices(units, 'longquan')
    expect(keptUnit('u-bank', choices)).toBe('u-bank')
    expect(keptUnit('u-hosp', choices)).toBe('')
    expect(keptUnit('', choices)).toBe('')
  })
  it('names a unit team', () => {
    expect(unitTeamLabel('县人民医院')).toBe('驻区单位：县人民医院')
  })
})

describe('unit_id in the bodies', () => {
  it('sends a team’s unit, or null', () => {
    expect(teamBody({ ...blankTeam('x'), category: 'orange', name: '橙队' }).unit_id).toBeNull()
    expect(teamBody({ ...blankTeam('x'), category: 'orange', name: '橙队', unit_id: 'u-1' }).unit_id).toBe('u-1')
  })
  it('sends a volunteer’s unit, and patches only a changed one (null to leave it)', () => {
    expect(volunteerBody({ ...blankVolunteer('x'), unit_id: 'u-1' }).unit_id).toBe('u-1')
    const shown = { ...volunteerBody({ ...blankVolunteer('x'), name: '王芳', phone: '13800138000' }), skills: [], unit_id: 'u-1' }
    expect(draftOf(shown).unit_id).toBe('u-1')
    expect(volunteerPatch(shown, draftOf(shown))).toEqual({})
    expect(volunteerPatch(shown, { ...draftOf(shown), unit_id: '' })).toEqual({ unit_id: null })
    expect(volunteerPatch(shown, { ...draftOf(shown), unit_id: 'u-2' })).toEqual({ unit_id: 'u-2' })
  })
})
