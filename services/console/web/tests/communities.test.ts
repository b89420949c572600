import { describe, expect, it } from 'vitest'
import {
  blankCommunity,
  blankUnit,
  branchNames,
  checkCommunityField,
  checkUnitField,
  communityBody,
  groupByBranch,
  NO_BRANCH,
  unitBody,
} from '../src/pages/communities/rules'

const community = (id: string, name: string, branch: string | null) => ({ id, name, branch })

describe('communities under their branch', () => {
  it('groups by branch in Chinese order, the communities of no branch last', () => {
    const groups = groupByBranch([
      community('c', '城西社区', '城西大支部'),
      community('x', '新村社区', null),
      community('l', '龙泉社区', '城东大支部'),
      community('a', '安居社区', '城东大支部'),
      community('y', '阳光社区', '  '),
    ])
    expect(groups.map((g) => [g.label, g.communities.map((c) => c.id)])).toEqual([
      ['城东大支部', ['a', 'l']],
      ['城西大支部', ['c']],
      [NO_BRANCH, ['x', 'y']],
    ])
    expect(groups[2].branch).toBeNull()
    expect(groupByBranch([])).toEqual([])
  })

  it('lists the branches named so far, once each', () => {
    expect(branchNames([community('a', 'A', '城西大支部'), community('b', 'B', '城东大支部'), community('c', 'C', '城西大支部'), community('d', 'D', null)])).toEqual([
      '城东大支部',
      '城西大支部',
    ])
  })
})

describe('a new community', () => {
  it('checks the id as a slug, the name and the branch', () => {
    const draft = blankCommunity()
    expect(checkCommunityField('id', draft)).toBe('请填写社区编号')
    for (const bad of ['L', 'longQuan', '1abc', 'a', 'lq 2', 'a'.repeat(41)]) {
      expect(checkCommunityField('id', { ...draft, id: bad })).toMatch(/^编号应为/)
    }
    for (const good of ['lq', 'longquan', 'long-quan_2', 'a'.repeat(40)]) {
      expect(checkCommunityField('id', { ...draft, id: good })).toBeNull()
    }
    expect(checkCommunityField('name', draft)).toBe('请填写社区名称')
    expect(checkCommunityField('branch', draft)).toBeNull()
    expect(checkCommunityField('branch', { ...draft, branch: '支'.repeat(101) })).toBe('不能超过 100 个字')
  })

  it('sends no branch as null', () => {
    expect(communityBody({ id: ' longquan ', name: ' 龙泉社区 ', branch: ' ' })).toEqual({ id: 'longquan', name: '龙泉社区', branch: null })
  })
})

describe('a resident unit', () => {
  it('checks the fields as the registry does', () => {
    const draft = blankUnit('longquan')
    expect(checkUnitField('community_id', draft)).toBeNull()
    expect(checkUnitField('community_id', blankUnit())).toBe('请选择社区')
    expect(checkUnitField('name', draft)).toBe('请填写单位名称')
    expect(checkUnitField('kind', draft)).toBe('请填写单位类型')
    expect(checkUnitField('kind', { ...draft, kind: '类'.repeat(41) })).toBe('不能超过 40 个字')
    expect(checkUnitField('contact_phone', draft)).toBeNull()
    expect(checkUnitField('contact_phone', { ...draft, contact_phone: '(0571) 8888-1234' })).toBeNull()
    expect(checkUnitField('contact_phone', { ...draft, contact_phone: '12ab' })).toBe('手机号应为 5–15 位数字，可带 +')
  })

  it('sends empty contacts as null', () => {
    expect(unitBody({ community_id: 'longquan', name: ' 县人民医院 ', kind: '医院', contact_name: '', contact_phone: ' ' })).toEqual({
      community_id: 'longquan',
      name: '县人民医院',
      kind: '医院',
      contact_name: null,
      contact_phone: null,
    })
  })
})
