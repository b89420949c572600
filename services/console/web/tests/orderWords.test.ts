import { describe, expect, it } from 'vitest'
import {
  actorName,
  careViewQuery,
  historyNote,
  orderMoves,
  teamChoices,
  viewQuery,
} from '../src/pages/orders/words'

describe('the order list views', () => {
  it('asks the requests service for each tab', () => {
    expect(viewQuery('queue')).toEqual({ unassigned: true })
    expect(viewQuery('open')).toEqual({ open: true })
    expect(viewQuery('overdue')).toEqual({ open: true, overdue: true })
    expect(viewQuery('done')).toEqual({ status: 'completed' })
    expect(viewQuery('all')).toEqual({})
  })

  it('narrows only the "all" view by status, and ignores what it does not know', () => {
    expect(viewQuery('all', 'cancelled')).toEqual({ status: 'cancelled' })
    expect(viewQuery('all', 'lost')).toEqual({})
    expect(viewQuery('queue', 'cancelled')).toEqual({ unassigned: true })
    expect(viewQuery('nonsense')).toEqual({ unassigned: true })
  })

  it('asks for care tasks due, overdue, done or all', () => {
    expect(careViewQuery('due')).toEqual({ status: 'open' })
    expect(careViewQuery('overdue')).toEqual({ status: 'open', overdue: true })
    expect(careViewQuery('done')).toEqual({ status: 'done' })
    expect(careViewQuery('all')).toEqual({})
    expect(careViewQuery('')).toEqual({ status: 'open' })
  })
})

describe('who may move an order', () => {
  const order = (status: string, rating: number | null = null) => ({ status, rating })

  it('lets a community admin assign, cancel and rate, and do the team\'s work', () => {
    expect(orderMoves(order('submitted'), 'community_admin', false)).toEqual({
      assign: true, accept: false, complete: false, rate: false, cancel: true,
    })
    expect(orderMoves(order('assigned'), 'county_admin', false)).toMatchObject({ assign: true, accept: true })
    expect(orderMoves(order('accepted'), 'community_admin', false)).toMatchObject({ complete: true, assign: true })
    expect(orderMoves(order('completed'), 'community_admin', false)).toEqual({
      assign: false, accept: false, complete: false, rate: true, cancel: false,
    })
    expect(orderMoves(order('completed', 5), 'community_admin', false).rate).toBe(false)
    expect(Object.values(orderMoves(order('cancelled'), 'county_admin', false))).not.toContain(true)
  })

  it("lets the assigned team's leader accept and complete, nothing else", () => {
    expect(orderMoves(order('assigned'), 'team_leader', true)).toEqual({
      assign: false, accept: true, complete: false, rate: false, cancel: false,
    })
    expect(orderMoves(order('accepted'), 'team_leader', true).complete).toBe(true)
    expect(orderMoves(order('assigned'), 'team_leader', false).accept).toBe(false)
    expect(orderMoves(order('completed'), 'team_leader', true).rate).toBe(false)
  })

  it('shows a volunteer and a signed-out session no buttons', () => {
    expect(Object.values(orderMoves(order('assigned'), 'volunteer', true))).not.toContain(true)
    expect(Object.values(orderMoves(order('assigned'), null, false))).not.toContain(true)
  })
})

describe('the history in Chinese', () => {
  it("translates the service's notes", () => {
    expect(historyNote('assign', 'routed to 橙色服务队')).toBe('按类别自动派给 橙色服务队')
    expect(historyNote('assign', 'assigned to 紫色文体队')).toBe('派给 紫色文体队')
    expect(historyNote('rate', '5/5 很满意')).toBe('5 星：很满意')
    expect(historyNote('rate', '3/5')).toBe('3 星')
    expect(historyNote('complete', '已上门理发')).toBe('已上门理发')
    expect(historyNote('accept', null)).toBe('')
  })

  it('names the system and the people it knows', () => {
    const names = new Map([['0192a0b0-0000-7000-8000-000000000001', '李队长']])
    expect(actorName('system', names)).toBe('系统')
    expect(actorName('0192a0b0-0000-7000-8000-000000000001', names)).toBe('李队长')
    expect(actorName('secretary', names)).toBe('secretary')
  })
})

describe('the teams an order may go to', () => {
  it('offers active teams, those of its category first', () => {
    const teams = [
      { id: 'a', status: 'active', category: 'purple' },
      { id: 'b', status: 'inactive', category: 'orange' },
      { id: 'c', status: 'active', category: 'orange' },
      { id: 'd', status: 'active', category: 'orange' },
    ]
    expect(teamChoices(teams, 'orange')).toEqual([
      { label: '对口服务队', teams: [teams[2], teams[3]] },
      { label: '其他服务队', teams: [teams[0]] },
    ])
    expect(teamChoices(teams, 'green')).toEqual([{ label: '其他服务队', teams: [teams[0], teams[2], teams[3]] }])
    expect(teamChoices([], 'green')).toEqual([])
  })
})
