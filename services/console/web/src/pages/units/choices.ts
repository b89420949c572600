// Which resident units (驻区单位) a volunteer or a team may belong to, as the registry
// checks it (services/registry/domain.py _unit_for): a volunteer's unit is one of the
// volunteer's community or of another community of the same branch (在职党员双报到); a
// team's unit is one of the team's own community.

export interface UnitLike {
  id: string
  community_id: string
  name: string
}

export interface CommunityLike {
  id: string
  name: string
  branch: string | null
}

export interface UnitChoice {
  id: string
  label: string
  /** The unit's own community (false: another community of the branch). */
  own: boolean
}

export const VOLUNTEER_UNIT_HINT =
  '在职党员双报到：登记其工作单位（本社区或同一大支部内其他社区的驻区单位），可不选。'
export const TEAM_UNIT_HINT = '可不选；由本社区的驻区单位组建的服务队选择该单位。'

/** The units a volunteer of `community` may belong to: the community's own first (by
 * name), then those of the branch's other communities, labelled with their community. */
export function volunteerUnitChoices(
  units: readonly UnitLike[],
  community: string,
  communities: readonly CommunityLike[],
): UnitChoice[] {
  if (!community) return []
  const byId = new Map(communities.map((c) => [c.id, c]))
  const branch = byId.get(community)?.branch ?? null
  const own = units.filter((u) => u.community_id === community)
  const others = branch
    ? units.filter((u) => u.community_id !== community && byId.get(u.community_id)?.branch === branch)
    : []
  const byName = (a: UnitLike, b: UnitLike) => a.name.localeCompare(b.name, 'zh-CN')
  return [
    ...[...own].sort(byName).map((u) => ({ id: u.id, label: u.name, own: true })),
    ...[...others]
      .sort((a, b) => a.community_id.localeCompare(b.community_id) || byName(a, b))
      .map((u) => ({ id: u.id, label: `${u.name}（${byId.get(u.community_id)?.name ?? u.community_id}）`, own: false })),
  ]
}

/** The units a team of `community` may be formed by: the community's own. */
export function teamUnitChoices(units: readonly UnitLike[], community: string): UnitChoice[] {
  return volunteerUnitChoices(units, community, []).filter((c) => c.own)
}

/** Keep a chosen unit only while it is still among the choices (the community changed). */
export function keptUnit(chosen: string, choices: readonly UnitChoice[]): string {
  return chosen && choices.some((c) => c.id === chosen) ? chosen : ''
}

/** How a team's unit is shown in lists and details: "驻区单位：<name>". */
export function unitTeamLabel(unitName: string | undefined): string {
  return `驻区单位：${unitName ?? '（不在您的管辖范围）'}`
}
