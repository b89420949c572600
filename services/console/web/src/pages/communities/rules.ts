// Communities under their branch (大支部), and the registry's rules for a new community
// and a resident unit (services/registry/schemas.py CommunityIn, ResidentUnitIn) in Chinese.

export const NO_BRANCH = '未归入大支部'

export interface BranchGroup<C> {
  branch: string | null
  label: string
  communities: C[]
}

/** Communities grouped under their branch, branches and communities in Chinese order,
 * the communities of no branch last. */
export function groupByBranch<C extends { name: string; branch?: string | null }>(
  communities: readonly C[],
): BranchGroup<C>[] {
  const groups = new Map<string | null, C[]>()
  for (const community of communities) {
    const branch = community.branch?.trim() || null
    const group = groups.get(branch) ?? []
    group.push(community)
    groups.set(branch, group)
  }
  const zh = (a: string, b: string) => a.localeCompare(b, 'zh-CN')
  return [...groups.entries()]
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : zh(a, b)))
    .map(([branch, members]) => ({
      branch,
      label: branch ?? NO_BRANCH,
      communities: [...members].sort((x, y) => zh(x.name, y.name)),
    }))
}

/** The branches named so far, for the new community's branch field. */
export function branchNames(communities: readonly { branch?: string | null }[]): string[] {
  const names = new Set(communities.map((c) => c.branch?.trim()).filter((b): b is string => !!b))
  return [...names].sort((a, b) => a.localeCompare(b, 'zh-CN'))
}

const SLUG = /^[a-z][a-z0-9_-]{1,39}$/
const PHONE_SEPARATORS = /[\s\-()]/g
const PHONE = /^\+?\d{5,15}$/

export interface CommunityDraft extends Record<string, unknown> {
  id: string
  name: string
  branch: string
}

export function blankCommunity(): CommunityDraft {
  return { id: '', name: '', branch: '' }
}

export const COMMUNITY_HINTS: Record<keyof CommunityDraft & string, string> = {
  id: '必填，2–40 位：小写字母开头，可含小写字母、数字、- 和 _，如 longquan；建成后不能修改。',
  name: '必填，1–100 个字，如“龙泉社区”。',
  branch: '可不填；如“城东大支部”，可选已有的或输入新的。',
}

export function checkCommunityField(field: keyof CommunityDraft, draft: CommunityDraft): string | null {
  switch (field) {
    case 'id':
      if (!draft.id.trim()) return '请填写社区编号'
      return SLUG.test(draft.id.trim()) ? null : '编号应为 2–40 位小写字母、数字、- 或 _，以字母开头'
    case 'name':
      return nameProblem(draft.name, '请填写社区名称')
    case 'branch':
      return draft.branch.trim().length > 100 ? '不能超过 100 个字' : null
    default:
      return null
  }
}

export function communityBody(draft: CommunityDraft) {
  return { id: draft.id.trim(), name: draft.name.trim(), branch: draft.branch.trim() || null }
}

export interface UnitDraft extends Record<string, unknown> {
  community_id: string
  name: string
  kind: string
  contact_name: string
  contact_phone: string
}

export function blankUnit(community = ''): UnitDraft {
  return { community_id: community, name: '', kind: '', contact_name: '', contact_phone: '' }
}

/** Suggested kinds; any other (up to 40 characters) may be typed. */
export const UNIT_KINDS = ['机关单位', '事业单位', '国有企业', '民营企业', '学校', '医院', '社会组织', '商户']

export const UNIT_HINTS: Record<keyof UnitDraft & string, string> = {
  community_id: '必选：与之共建的社区。',
  name: '必填，1–100 个字。',
  kind: '必填，不超过 40 个字；可选列出的或输入新的。',
  contact_name: '可不填；1–100 个字。',
  contact_phone: '可不填；5–15 位数字，可带 +。',
}

export function checkUnitField(field: keyof UnitDraft, draft: UnitDraft): string | null {
  switch (field) {
    case 'community_id':
      return draft.community_id ? null : '请选择社区'
    case 'name':
      return nameProblem(draft.name, '请填写单位名称')
    case 'kind': {
      const kind = draft.kind.trim()
      if (!kind) return '请填写单位类型'
      return kind.length > 40 ? '不能超过 40 个字' : null
    }
    case 'contact_name':
      return draft.contact_name.trim().length > 100 ? '不能超过 100 个字' : null
    case 'contact_phone': {
      const phone = draft.contact_phone.replace(PHONE_SEPARATORS, '')
      if (!phone) return null
      return PHONE.test(phone) ? null : '手机号应为 5–15 位数字，可带 +'
    }
    default:
      return null
  }
}

export function unitBody(draft: UnitDraft) {
  return {
    community_id: draft.community_id,
    name: draft.name.trim(),
    kind: draft.kind.trim(),
    contact_name: draft.contact_name.trim() || null,
    contact_phone: draft.contact_phone.trim() || null,
  }
}

function nameProblem(value: string, empty: string): string | null {
  const name = value.trim()
  if (!name) return empty
  return name.length > 100 ? '不能超过 100 个字' : null
}
