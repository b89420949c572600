import { describe, expect, it } from 'vitest'
import { blankVolunteer, checkVolunteerField, draftOf, volunteerBody, volunteerPatch } from '../src/pages/volunteers/rules'

const TODAY = new Date('2025-06-01T12:00:00')

describe('volunteer rules', () => {
  it('asks for the required fields', () => {
    const draft = blankVolunteer()
    expect(checkVolunteerField('community_id', draft, TODAY)).toBe('请选择社区')
    expect(checkVolunteerField('name', draft, TODAY)).toBe('请填写姓名')
    expect(checkVolunteerField('phone', draft, TODAY)).toBe('请填写手机号')
  })

  it('checks the phone like the registry does', () => {
    const draft = { ...blankVolunteer('x'), phone: '138-0013 8000' }
    expect(checkVolunteerField('phone', draft, TODAY)).toBeNull()
    expect(checkVolunteerField('phone', { ...draft, phone: '12ab' }, TODAY)).toBe('手机号应为 5–15 位数字，可带 +')
  })

  it('checks the party date against membership, today and age 18', () => {
    const draft = { ...blankVolunteer('x'), is_party_member: true, birth_year: 1990, party_joined_on: '2005-07-01' }
    expect(checkVolunteerField('party_joined_on', draft, TODAY)).toBe('入党日期应在年满 18 岁之后')
    expect(checkVolunteerField('party_joined_on', { ...draft, party_joined_on: '2026-01-01' }, TODAY)).toBe('入党日期不能晚于今天')
    expect(checkVolunteerField('party_joined_on', { ...draft, party_joined_on: '2010-07-01' }, TODAY)).toBeNull()
  })

  it('sends empty optional fields as null and no party date for a non-member', () => {
    const body = volunteerBody({ ...blankVolunteer('x'), name: ' 王芳 ', phone: '13800138000', party_joined_on: '2010-07-01', skills: [' 理发 ', ''] })
    expect(body).toEqual({
      community_id: 'x', name: '王芳', phone: '13800138000', gender: null, birth_year: null,
      skills: ['理发'], availability: null, is_party_member: false, party_joined_on: null, unit_id: null,
    })
  })
})

describe('editing a volunteer', () => {
  const shown = {
    community_id: 'x', name: '王芳', phone: '13800138000', gender: 'female', birth_year: 1980,
    skills: ['理发'], availability: null, is_party_member: true, party_joined_on: '2005-07-01',
  }

  it('starts from what the registry holds and sends nothing when nothing changed', () => {
    const draft = draftOf(shown)
    expect(draft).toEqual({ ...shown, availability: '', gender: 'female', unit_id: '' })
    expect(volunteerPatch(shown, draft)).toEqual({})
    expect(volunteerPatch(shown, { ...draft, name: ' 王芳 ' })).toEqual({})
  })

  it('sends only the changed fields, a cleared one as null', () => {
    const draft = { ...draftOf(shown), availability: '周末上午', birth_year: null, skills: ['理发', '急救'] }
    expect(volunteerPatch(shown, draft)).toEqual({ availability: '周末上午', birth_year: null, skills: ['理发', '急救'] })
    expect(volunteerPatch(shown, { ...draftOf(shown), party_joined_on: '' })).toEqual({ party_joined_on: null })
  })

  it('leaves the joining date to the registry when the volunteer leaves the party', () => {
    expect(volunteerPatch(shown, { ...draftOf(shown), is_party_member: false })).toEqual({ is_party_member: false })
  })
})
