import type { FormRules } from 'element-plus'
import { VOLUNTEER_UNIT_HINT } from '../units/choices'
import { ruleFrom } from '../../composables/ruleFrom'

// The registry's rules for a volunteer (services/registry/schemas.py VolunteerIn), in
// Chinese: each field's hint shown beside it, and the same checks before sending.

export interface VolunteerDraft extends Record<string, unknown> {
  community_id: string
  name: string
  phone: string
  gender: '' | 'male' | 'female'
  birth_year: number | null
  skills: string[]
  availability: string
  is_party_member: boolean
  party_joined_on: string
  /** The resident unit the volunteer works at (在职党员双报到); '' for none. */
  unit_id: string
}

export function blankVolunteer(community = ''): VolunteerDraft {
  return {
    community_id: community,
    name: '',
    phone: '',
    gender: '',
    birth_year: null,
    skills: [],
    availability: '',
    is_party_member: false,
    party_joined_on: '',
    unit_id: '',
  }
}

export const HINTS: Record<keyof VolunteerDraft & string, string> = {
  community_id: '必选：您管辖范围内的社区。',
  name: '必填，1–50 个字。',
  phone: '必填，5–15 位数字，可带 +；空格、横线、括号会被去掉。同一社区内不能重复。',
  gender: '可不填。',
  birth_year: '可不填；1900 年至今年。',
  skills: '可不填；最多 20 项，每项不超过 30 个字，输入后按回车添加。',
  availability: '可不填；不超过 200 个字，如“周末上午”。',
  is_party_member: '党员志愿者参与“三必访五必谈”关怀。',
  party_joined_on: '仅党员填写；不能晚于今天，且应在年满 18 岁之后。',
  unit_id: VOLUNTEER_UNIT_HINT,
}

/** What is wrong with one field of the draft, in Chinese; null when it is fine. */
export function checkVolunteerField(
  field: keyof VolunteerDraft,
  draft: VolunteerDraft,
  today: Date = new Date(),
): string | null {
  switch (field) {
    case 'community_id':
      return draft.community_id ? null : '请选择社区'
    case 'name': {
      const name = draft.name.trim()
      if (!name) return '请填写姓名'
      return name.length > 50 ? '姓名不能超过 50 个字' : null
    }
    case 'phone': {
      if (!draft.phone.trim()) return '请填写手机号'
      const digits = draft.phone.replace(/[\s\-()（）]/g, '')
      return /^\+?\d{5,15}$/.test(digits) ? null : '手机号应为 5–15 位数字，可带 +'
    }
    case 'birth_year': {
      const year = draft.birth_year
      if (year === null) return null
      if (!Number.isInteger(year) || year < 1900) return '出生年份应在 1900 年之后'
      return year > today.getFullYear() ? '出生年份不能晚于今年' : null
    }
    case 'skills':
      if (draft.skills.length > 20) return '技能最多 20 项'
      return draft.skills.some((s) => s.trim().length > 30) ? '每项技能不超过 30 个字' : null
    case 'availability':
      return draft.availability.trim().length > 200 ? '不超过 200 个字' : null
    case 'party_joined_on': {
      if (!draft.party_joined_on) return null
      if (!draft.is_party_member) return '只有党员才填写入党日期'
      const joined = new Date(`${draft.party_joined_on}T00:00:00`)
      if (joined > today) return '入党日期不能晚于今天'
      if (draft.birth_year !== null && joined.getFullYear() < draft.birth_year + 18) {
        return '入党日期应在年满 18 岁之后'
      }
      return null
    }
    default:
      return null
  }
}

/** The POST /volunteers body: empty optional fields left out. */
export function volunteerBody(draft: VolunteerDraft) {
  return {
    community_id: draft.community_id,
    name: draft.name.trim(),
    phone: draft.phone.trim(),
    gender: draft.gender || null,
    birth_year: draft.birth_year,
    skills: draft.skills.map((s) => s.trim()).filter(Boolean),
    availability: draft.availability.trim() || null,
    is_party_member: draft.is_party_member,
    party_joined_on: draft.is_party_member && draft.party_joined_on ? draft.party_joined_on : null,
    unit_id: draft.unit_id || null,
  }
}

/** What an edit starts from: the volunteer as the registry answered it. */
export interface VolunteerShown {
  community_id: string
  name: string
  phone: string
  gender: string | null
  birth_year: number | null
  skills: string[]
  availability: string | null
  is_party_member: boolean
  party_joined_on: string | null
  unit_id?: string | null
}

export function draftOf(volunteer: VolunteerShown): VolunteerDraft {
  return {
    community_id: volunteer.community_id,
    name: volunteer.name,
    phone: volunteer.phone,
    gender: volunteer.gender === 'male' || volunteer.gender === 'female' ? volunteer.gender : '',
    birth_year: volunteer.birth_year,
    skills: [...volunteer.skills],
    availability: volunteer.availability ?? '',
    is_party_member: volunteer.is_party_member,
    party_joined_on: volunteer.party_joined_on ?? '',
    unit_id: volunteer.unit_id ?? '',
  }
}

export type VolunteerChanges = Partial<Omit<ReturnType<typeof volunteerBody>, 'community_id'>>

/** The PATCH /volunteers/{id} body: only the fields the draft changed, so an edit never
 * writes back what someone else changed in a field this one left alone. */
export function volunteerPatch(original: VolunteerShown, draft: VolunteerDraft): VolunteerChanges {
  const before = volunteerBody(draftOf(original))
  const after = volunteerBody(draft)
  const changes: Record<string, unknown> = {}
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (key === 'community_id') continue
    if (JSON.stringify(after[key]) !== JSON.stringify(before[key])) changes[key] = after[key]
  }
  // Leaving the party clears the joining date on the registry's side.
  if (changes.is_party_member === false) delete changes.party_joined_on
  return changes as VolunteerChanges
}

/** The el-form rules for a draft: the same checks as `checkVolunteerField`, on blur. */
export function volunteerFormRules(draft: () => VolunteerDraft): FormRules {
  const rule = ruleFrom((field: keyof VolunteerDraft & string) => checkVolunteerField(field, draft()))
  return {
    community_id: [rule('community_id', true, 'change')],
    name: [rule('name', true)],
    phone: [rule('phone', true)],
    birth_year: [rule('birth_year')],
    skills: [rule('skills', false, 'change')],
    availability: [rule('availability')],
    party_joined_on: [rule('party_joined_on', false, 'change')],
  }
}
