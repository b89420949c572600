import { describe, expect, it } from 'vitest'
import { fieldErrors, problemMessage, toProblem } from '../src/api/problem'
import { activityHistory, formatSpan, voidReason } from '../src/pages/activities/history'
import {
  activityBody,
  activityProblems,
  blankActivity,
  checkActivityField,
  checkParticipant,
  correctionBody,
  defaultHours,
  draftOf,
  toLocalInput,
  totalHours,
  withOffset,
  type Activity,
  type ActivityDraft,
} from '../src/pages/activities/rules'

const NOW = new Date('2025-06-02T12:00:00')
const A = '11111111-1111-4111-8111-111111111111'
const B = '22222222-2222-4222-8222-222222222222'

function draft(fields: Partial<ActivityDraft> = {}): ActivityDraft {
  return {
    ...blankActivity('longquan'),
    team_id: 'team-1',
    kind: 'free_clinic',
    title: '义诊进社区',
    started_at: '2025-06-01T09:00:00',
    ended_at: '2025-06-01T11:30:00',
    participants: [{ volunteer_id: A, hours: 2.5 }],
    people_served: 120,
    ...fields,
  }
}

describe('activity rules', () => {
  it('asks for the required fields', () => {
    const blank = blankActivity()
    expect(checkActivityField('community_id', blank, NOW)).toBe('请选择社区')
    expect(checkActivityField('team_id', blank, NOW)).toBe('请选择服务队')
    expect(checkActivityField('kind', blank, NOW)).toBe('请选择活动类型')
    expect(checkActivityField('title', blank, NOW)).toBe('请填写活动名称')
    expect(checkActivityField('ended_at', blank, NOW)).toBe('请选择结束时间')
    expect(checkActivityField('participants', blank, NOW)).toBe('请至少选择 1 位参与的志愿者')
    expect(checkActivityField('people_served', blank, NOW)).toBe('请填写服务人数')
    expect(activityProblems(draft(), false, NOW)).toEqual({})
    expect(activityProblems(draft(), true, NOW)).toEqual({ reason: '请填写更正原因' })
  })

  it('checks the times like the service: order, not in the future, at most 31 days', () => {
    expect(checkActivityField('ended_at', draft({ ended_at: '2025-06-01T09:00:00' }), NOW)).toBe('结束时间应晚于开始时间')
    expect(checkActivityField('ended_at', draft({ ended_at: '2025-06-02T13:00:00' }), NOW)).toBe('结束时间不能晚于现在：活动结束后再登记')
    expect(checkActivityField('ended_at', draft({ started_at: '2025-04-01T09:00:00' }), NOW)).toBe('一次活动最长 31 天，更长的请分段登记')
    expect(checkActivityField('ended_at', draft(), NOW)).toBeNull()
  })

  it('checks each participant: chosen once, hours in (0, 24] and within the activity', () => {
    const twice = draft({ participants: [{ volunteer_id: A, hours: 1 }, { volunteer_id: A, hours: 1 }] })
    expect(checkParticipant(twice, 0)).toBeNull()
    expect(checkParticipant(twice, 1)).toBe('该志愿者重复了')
    expect(checkActivityField('participants', twice, NOW)).toBe('请按每位参与者旁的提示修改')
    expect(checkParticipant(draft({ participants: [{ volunteer_id: A, hours: 0 }] }), 0)).toBe('服务时长应大于 0')
    expect(checkParticipant(draft({ participants: [{ volunteer_id: A, hours: null }] }), 0)).toBe('请填写服务时长')
    expect(checkParticipant(draft({ participants: [{ volunteer_id: A, hours: 3 }] }), 0)).toBe('超过了活动时长（2.50 小时）')
    const long = { started_at: '2025-05-30T08:00:00', ended_at: '2025-06-01T08:00:00' }
    expect(checkParticipant(draft({ ...long, participants: [{ volunteer_id: A, hours: 25 }] }), 0)).toBe('服务时长不能超过 24 小时')
    expect(activityProblems(twice, false, NOW)).toEqual({
      participants: '请按每位参与者旁的提示修改',
      'participants.1': '该志愿者重复了',
    })
  })

  it('gives each participant the activity length at first, at most 24 hours', () => {
    expect(defaultHours(draft())).toBe(2.5)
    expect(defaultHours({ started_at: '2025-06-01T09:00:00', ended_at: '2025-06-01T09:50:00' })).toBe(0.75)
    expect(defaultHours({ started_at: '2025-05-30T08:00:00', ended_at: '2025-06-01T08:00:00' })).toBe(24)
    expect(defaultHours({ started_at: '', ended_at: '' })).toBeNull()
  })

  it('checks beneficiary groups and outputs: named once, counted, within people served', () => {
    expect(checkActivityField('beneficiaries', draft({ beneficiaries: [{ name: '老年人', count: 200 }] }), NOW)).toBe(
      '各组人数之和（200）超过了服务人数（120）',
    )
    expect(checkActivityField('beneficiaries', draft({ beneficiaries: [{ name: '', count: 2 }] }), NOW)).toBe('请填写名称')
    expect(checkActivityField('beneficiaries', draft({ beneficiaries: [{ name: '儿童', count: 1.5 }] }), NOW)).toBe('“儿童”的人数应为整数')
    expect(
      checkActivityField('outputs', draft({ outputs: [{ name: '资料', count: 1 }, { name: ' 资料 ', count: 2 }] }), NOW),
    ).toBe('“资料”重复了')
    expect(checkActivityField('outputs', draft({ outputs: [{ name: '资料（份）', count: 300.5 }] }), NOW)).toBeNull()
  })

  it('sends times with their offset and leaves empty rows and fields out', () => {
    expect(withOffset('2025-06-01T09:00:00', 480)).toBe('2025-06-01T09:00:00+08:00')
    expect(withOffset('2025-06-01T09:00', -330)).toBe('2025-06-01T09:00:00-05:30')
    expect(withOffset('2025-06-01T09:00:00', 0)).toBe('2025-06-01T09:00:00+00:00')
    const body = activityBody(
      draft({
        title: ' 义诊进社区 ',
        beneficiaries: [{ name: ' 老年人 ', count: 80 }, { name: '', count: null }],
        outputs: [{ name: '宣传资料（份）', count: 300 }],
      }),
    )
    expect(body).toMatchObject({
      community_id: 'longquan',
      team_id: 'team-1',
      kind: 'free_clinic',
      title: '义诊进社区',
      location: null,
      participants: [{ volunteer_id: A, hours: 2.5 }],
      people_served: 120,
      beneficiaries: { 老年人: 80 },
      outputs: { '宣传资料（份）': 300 },
    })
    expect(body.started_at).toMatch(/^2025-06-01T09:00:00[+-]\d\d:\d\d$/)
    expect(new Date(body.ended_at).getTime()).toBe(new Date('2025-06-01T11:30:00').getTime())
    expect('request_id' in body).toBe(false)
    expect('reason' in body).toBe(false)
    expect(correctionBody(draft({ reason: ' 人数记错 ' })).reason).toBe('人数记错')
  })

  it('turns an activity back into a draft for a correction, the same instants', () => {
    const activity = sample({ started_at: '2025-06-01T01:00:00Z', ended_at: '2025-06-01T03:30:00+00:00' })
    const back = draftOf(activity)
    expect(new Date(withOffset(back.started_at)).getTime()).toBe(Date.parse('2025-06-01T01:00:00Z'))
    expect(new Date(withOffset(back.ended_at)).getTime()).toBe(Date.parse('2025-06-01T03:30:00Z'))
    expect(toLocalInput('2025-06-01T01:00:00Z')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    expect(back.participants).toEqual([{ volunteer_id: A, hours: 2 }, { volunteer_id: B, hours: 1.5 }])
    expect(back.beneficiaries).toEqual([{ name: '老年人', count: 80 }])
    expect(back.location).toBe('社区广场')
    expect(back.reason).toBe('')
    expect(totalHours(activity)).toBe(3.5)
  })
})

function sample(fields: Partial<Activity> = {}): Activity {
  return {
    id: 'act-1',
    community_id: 'longquan',
    team_id: 'team-1',
    category: 'orange',
    kind: 'free_clinic',
    title: '义诊进社区',
    started_at: '2025-06-01T01:00:00Z',
    ended_at: '2025-06-01T03:00:00Z',
    location: '社区广场',
    participants: [{ volunteer_id: A, hours: 2 }, { volunteer_id: B, hours: 1.5 }],
    people_served: 120,
    beneficiaries: { 老年人: 80 },
    outputs: {},
    request_id: null,
    status: 'logged',
    logged_by: 'secretary',
    verified_by: null,
    verified_at: null,
    voided_by: null,
    voided_at: null,
    void_reason: null,
    corrects_activity_id: null,
    corrected_by_activity_id: null,
    created_at: '2025-06-01T04:00:00Z',
    ...fields,
  }
}

describe('activity history', () => {
  it('lists logging, verification and a void in order, with who and why', () => {
    const history = activityHistory(
      sample({
        status: 'voided',
        verified_by: 'leader',
        verified_at: '2025-06-01T05:00:00Z',
        voided_by: 'secretary',
        voided_at: '2025-06-02T01:00:00Z',
        void_reason: '重复登记',
      }),
    )
    expect(history.map((e) => [e.what, e.who, e.note ?? ''])).toEqual([
      ['登记', 'secretary', ''],
      ['核实', 'leader', '服务时长计为已认证时长'],
      ['作废', 'secretary', '作废原因：重复登记'],
    ])
  })

  it('links a correction both ways and drops the service prefix from its reason', () => {
    const old = sample({
      status: 'voided',
      voided_by: 'secretary',
      voided_at: '2025-06-02T01:00:00Z',
      void_reason: 'corrected: 人数记错',
      corrected_by_activity_id: 'act-2',
    })
    expect(voidReason(old)).toBe('人数记错')
    expect(activityHistory(old)[1]).toMatchObject({ what: '已更正（原活动作废）', note: '更正原因：人数记错', link: { id: 'act-2' } })
    const replacement = sample({ id: 'act-2', corrects_activity_id: 'act-1' })
    expect(activityHistory(replacement)).toEqual([
      expect.objectContaining({ what: '更正登记', link: { id: 'act-1', label: '查看原活动' } }),
    ])
    expect(voidReason(sample({ void_reason: 'corrected: typed by hand' }))).toBe('corrected: typed by hand')
  })

  it('writes a span on one day briefly and across days in full', () => {
    const start = toLocalInput('2025-06-01T01:00:00Z').replace('T', ' ').slice(0, 16)
    expect(formatSpan('2025-06-01T01:00:00Z', '2025-06-01T01:30:00Z')).toBe(`${start}–${start.slice(11, 14)}30`)
    expect(formatSpan('2025-06-01T01:00:00Z', '2025-06-05T01:00:00Z')).toContain(' 至 ')
  })
})

describe('the activities service in Chinese', () => {
  it('puts its field messages beside fields and participants', () => {
    const problem = toProblem(
      {
        status: 422,
        type: 'https://qise.dev/problems/validation-error',
        errors: [
          { loc: ['body', 'ended_at'], msg: 'ended_at is in the future: log an activity once it is done' },
          { loc: ['body', 'participants', 1, 'hours'], msg: '3.0 h is more than the activity lasted (2.50 h)' },
          { loc: ['body', 'participants', 0, 'volunteer_id'], msg: 'not a volunteer of longquan' },
          { loc: ['body', 'beneficiaries'], msg: 'beneficiary groups add up to more than people_served' },
          { loc: ['body', 'team_id'], msg: 'not known yet' },
        ],
      },
      422,
    )
    expect(fieldErrors(problem, ['ended_at', 'beneficiaries', 'team_id'])).toEqual({
      ended_at: '结束时间不能晚于现在：活动结束后再登记',
      beneficiaries: '各受益群体人数之和超过了服务人数',
      team_id: '尚未同步到活动服务，请稍后再试',
    })
    expect(fieldErrors(problem, ['participants.0', 'participants.1'])).toEqual({
      'participants.0': '不是该社区的志愿者',
      'participants.1': '3.0 小时超过了活动时长（2.50 小时）',
    })
  })

  it('says a not-yet-known answer and an illegal move in one sentence', () => {
    expect(problemMessage({ status: 422, type: 'https://qise.dev/problems/not-yet-known', detail: 'team x is not known here yet' })).toBe(
      '刚登记的服务队或志愿者还未同步到活动服务，请稍后再提交。',
    )
    expect(problemMessage({ status: 409, type: 'https://qise.dev/problems/conflict', detail: 'cannot void an activity that is voided' })).toBe(
      '该活动已作废，不能再作废。',
    )
    expect(problemMessage({ status: 409, detail: 'cannot verify an activity that is verified' })).toBe('该活动已核实，不能再核实。')
  })
})
