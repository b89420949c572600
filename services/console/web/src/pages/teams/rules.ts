// The registry's rules for a team (services/registry/schemas.py TeamIn, TeamPatch and
// domain.py), in Chinese: each field's hint, the same checks before sending, and who may
// change what.
import type { Role } from '../../api/token'
import { TEAM_UNIT_HINT } from '../units/choices'

export interface TeamDraft extends Record<string, unknown> {
  community_id: string
  category: string
  name: string
  leader_volunteer_id: string
  /** The resident unit (of the community) forming the team; '' for none. */
  unit_id: string
}

export function blankTeam(community = ''): TeamDraft {
  return { community_id: community, category: '', name: '', leader_volunteer_id: '', unit_id: '' }
}

export const TEAM_HINTS: Record<keyof TeamDraft & string, string> = {
  community_id: '必选：您管辖范围内的社区。',
  category: '必选：七色服务之一。',
  name: '必填，1–100 个字；同一社区内不能重名。',
  leader_volunteer_id: '可不选；须是本社区在册的志愿者，选定后自动成为队员。',
  unit_id: TEAM_UNIT_HINT,
}

export const TEAM_NAME_MAX = 100

/** What is wrong with one field of the draft, in Chinese; null when it is fine. */
export function checkTeamField(field: keyof TeamDraft, draft: TeamDraft): string | null {
  switch (field) {
    case 'community_id':
      return draft.community_id ? null : '请选择社区'
    case 'category':
      return draft.category ? null : '请选择服务类别'
    case 'name': {
      const name = draft.name.trim()
      if (!name) return '请填写服务队名称'
      return name.length > TEAM_NAME_MAX ? `名称不能超过 ${TEAM_NAME_MAX} 个字` : null
    }
    default:
      return null
  }
}

/** The POST /teams body: no leader, no unit, sent as null. */
export function teamBody(draft: TeamDraft) {
  return {
    community_id: draft.community_id,
    category: draft.category,
    name: draft.name.trim(),
    leader_volunteer_id: draft.leader_volunteer_id || null,
    unit_id: draft.unit_id || null,
  }
}

export const TEAM_STATUS_NAMES: Record<string, string> = { active: '在役', inactive: '已停用' }

export function teamStatusName(status: string): string {
  return TEAM_STATUS_NAMES[status] ?? status
}

interface Caller {
  role: Role | null
  sub: string | null
}

const ADMINS: readonly (Role | null)[] = ['county_admin', 'community_admin']

/** Rename, change the leader, deactivate: the community's admins (domain.update_team). */
export function mayEditTeam(caller: Caller): boolean {
  return ADMINS.includes(caller.role)
}

/** Add and remove members: the admins, or the leader of this very team. */
export function mayManageMembers(caller: Caller, team: { leader_volunteer_id: string | null }): boolean {
  if (ADMINS.includes(caller.role)) return true
  return caller.role === 'team_leader' && caller.sub !== null && caller.sub === team.leader_volunteer_id
}

/** A volunteer as one line of a picker: name, phone, and why it cannot be chosen. */
export function volunteerLabel(v: { name: string; phone: string; active: boolean }): string {
  return `${v.name}（${v.phone}）${v.active ? '' : ' · 已停用'}`
}
