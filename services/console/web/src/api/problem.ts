// problem+json (RFC 9457) read once: field errors go beside their form fields,
// everything else becomes one Chinese sentence for ElMessage. Never a raw dump.
import { takenMessage } from '../pages/resources/words'

export interface FieldError {
  loc: (string | number)[]
  msg: string
}

export interface Problem {
  type?: string
  title?: string
  status: number
  detail?: string
  errors?: FieldError[]
}

const CJK = /[\u4e00-\u9fff]/

/** Whatever an error answer held, as a Problem (a proxy's HTML page included). */
export function toProblem(body: unknown, status: number): Problem {
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>
    const errors = Array.isArray(b.errors)
      ? b.errors.filter(
          (e): e is FieldError =>
            typeof e === 'object' && e !== null && Array.isArray(e.loc) && typeof e.msg === 'string',
        )
      : undefined
    return {
      type: typeof b.type === 'string' ? b.type : undefined,
      title: typeof b.title === 'string' ? b.title : undefined,
      status: typeof b.status === 'number' ? b.status : status,
      detail: typeof b.detail === 'string' ? b.detail : undefined,
      errors,
    }
  }
  return { status }
}

// The services' messages (pydantic's and the domain's), in Chinese.
const FIELD_MESSAGES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^Field required$/, () => '必填'],
  [/^String should have at least (\d+) characters?$/, (m) => `至少 ${m[1]} 个字`],
  [/^String should have at most (\d+) characters?$/, (m) => `不能超过 ${m[1]} 个字`],
  [/^List should have at most (\d+) items?/, (m) => `最多 ${m[1]} 项`],
  [/^String should match pattern/, () => '格式不正确'],
  [/^Input should be greater than or equal to (\S+)$/, (m) => `不能小于 ${m[1]}`],
  [/^Input should be less than or equal to (\S+)$/, (m) => `不能大于 ${m[1]}`],
  [/^Input should be greater than (\S+)$/, (m) => `应大于 ${m[1]}`],
  [/^List should have at least (\d+) items?/, (m) => `至少 ${m[1]} 项`],
  [/^Input should have timezone info/, () => '时间须带时区'],
  [/^Input should be a valid datetime/, () => '请填写有效的日期和时间'],
  [/^Input should be a valid date/, () => '请填写有效日期（年-月-日）'],
  [/^Input should be a valid integer/, () => '请填写整数'],
  [/^Input should be a valid boolean/, () => '请选择是或否'],
  [/^Input should be /, () => '请从给出的选项中选择'],
  [/^Extra inputs are not permitted$/, () => '不接受此项'],
  [/^a phone number is/, () => '手机号应为 5–15 位数字，可带 +'],
  [/^duplicate phone/, () => '该社区已有使用此手机号的志愿者'],
  [/^party_joined_on is only for party members$/, () => '只有党员才填写入党日期'],
  [/^party_joined_on is in the future$/, () => '入党日期不能晚于今天'],
  [/^party_joined_on is before the volunteer turned 18$/, () => '入党日期应在年满 18 岁之后'],
  [/^birth_year is in the future$/, () => '出生年份不能晚于今年'],
  [/^community .* does not exist$/, () => '社区不存在'],
  [/^after to$/, () => '开始日期不能晚于结束日期'],
  [/^community .* already exists$/, () => '该社区编号已被使用'],
  [/^volunteer \S+ is not a volunteer of /, () => '不是本社区的志愿者'],
  [/^volunteer \S+ is deactivated$/, () => '该志愿者已停用'],
  [/^unknown category /, () => '没有这个服务类别'],
  [/^a team (named .*|with that name) already exists/, () => '本社区已有同名的服务队'],
  [/^the volunteer is already a member of this team$/, () => '该志愿者已是本队队员'],
  [/^the volunteer is not a member of this team$/, () => '该志愿者不是本队队员'],
  [/^the team is inactive$/, () => '该服务队已停用'],
  [/^only the community's admins or this team's leader may do this$/, () => '只有社区管理员或本队队长可以操作'],
  [/^community .* is not known here \(yet\)$/, () => '社区信息尚未同步到工单服务，请稍后再试'],
  [/^unknown service_kind/, () => '没有这种服务类型，请从列表中选择'],
  [/^price is only for paid services/, () => '只有有偿服务才填写价格'],
  // the branch as one body (服务难题联解; services/requests/lifecycle.py, registry branches)
  [/^team .* is not a team of the branch of /, () => '该服务队不属于本工单所在的大支部'],
  [/^only an order escalated to the branch may go to a team of another community$/, () => '只有上报大支部的工单才能派给其他社区的服务队'],
  [/^the order is already escalated to the branch$/, () => '这张工单已上报过大支部'],
  [/^cannot escalate an order that is (\w+)$/, (m) => `工单${{ completed: '已完成', cancelled: '已取消' }[m[1]] ?? '已办结'}，不能上报大支部`],
  [/^the branch assigns only orders escalated to it$/, () => '大支部只能派发上报给它的工单'],
  [/^branch .* already exists$/, () => '该大支部编号已被使用'],
  [/^resident unit \S+ is not a unit of \S+ or its branch$/, () => '该驻区单位不属于本社区或本社区所在的大支部'],
  [/^resident unit \S+ is not a unit of /, () => '该驻区单位不属于本社区'],
  [/^ends_on is before starts_on$/, () => '结束日期不能早于开始日期'],
  [/^each thing brought is named once$/, () => '每项资源只能选一次'],
  [/^name cannot be empty$/, () => '名称不能为空'],
  [/^team .* is not a team of /, () => '该服务队不属于本工单的社区（新建的服务队可能尚未同步，请稍后再试）'],
  [/^team .* is inactive$/, () => '该服务队已停用'],
  // activities (services/activities/lifecycle.py, domain.py)
  [/^not known yet$/, () => '尚未同步到活动服务，请稍后再试'],
  [/^ended_at must be after started_at$/, () => '结束时间应晚于开始时间'],
  [/^ended_at is in the future/, () => '结束时间不能晚于现在：活动结束后再登记'],
  [/^an activity lasts at most 31 days/, () => '一次活动最长 31 天，更长的请分段登记'],
  [/^volunteer listed twice$/, () => '该志愿者重复了'],
  [/^(\S+) h is more than the activity lasted \((\S+) h\)$/, (m) => `${m[1]} 小时超过了活动时长（${m[2]} 小时）`],
  [/^beneficiary groups add up to more than people_served$/, () => '各受益群体人数之和超过了服务人数'],
  [/^not a volunteer of /, () => '不是该社区的志愿者'],
  [/^the volunteer is deactivated$/, () => '该志愿者已停用'],
  [/^team .* is not a team of /, () => '该服务队不属于这个社区'],
  [/^team .* is inactive$/, () => '该服务队已停用'],
  [/^unknown kind /, () => '没有这种活动类型'],
  [/^a correction stays in the activity's community$/, () => '更正不能改变活动所属的社区'],
  [/^a time before 1900/, () => '时间不能早于 1900 年'],
  [/^life events are recorded for party members only$/, () => '只有党员才能记录生活事件'],
  [/^occurred_on is in the future$/, () => '发生日期不能晚于今天'],
  [/^the file is not UTF-8/, () => '文件不是 UTF-8 编码（Excel 中请另存为“CSV UTF-8”）'],
  [/^the header row lacks the column\(s\): (.*)$/, (m) => `表头缺少必需的列：${m[1]}`],
  [/^unknown column\(s\): (.*?); known/, (m) => `表头有不认识的列：${m[1]}`],
  [/^the file is not a readable CSV/, () => '文件不是可读的 CSV'],
  // shared resources (activities: 资源联享)
  [/^outside the resource's opening hours$/, () => '不在该资源的开放时间内，请对照上方的开放时间'],
  [/^the resource is not open for all of/, () => '不在该资源的开放时间内'],
  [/^a booking ends after it starts$/, () => '结束时间应晚于开始时间'],
  [/^a window closes after it opens/, () => '结束时间应晚于开始时间'],
  [/^the resource is deactivated$/, () => '该资源已停用，不能再预约'],
  [/^the resource is not shared with community/, () => '该资源未向本社区共享'],
  [/^only the community's admins or team leaders may book resources$/, () => '只有社区管理员或服务队队长可以预约'],
  [/^the booking is cancelled$/, () => '该预约已取消'],
  [/^only the booking community's admins or team leaders, or the resource's admins/, () => '只有预约社区的管理员或队长、或资源所属社区的管理员可以取消'],
  [/^no activity \S+ of /, () => '不是本社区的活动'],
  [/^the activity is voided$/, () => '该活动已作废'],
  // the care register (requests: 关爱对象)
  [/^consent_on is in the future$/, () => '同意日期不能晚于今天'],
  [/^under_care_since is in the future$/, () => '开始关爱日期不能晚于今天'],
  [/^care cannot begin before consent was given/, () => '开始关爱的日期不能早于本人同意的日期'],
  [/^the responsible team must be an orange team/, () => '负责的服务队须是本社区的橙色（关爱）服务队'],
  [/^the responsible team is inactive$/, () => '该服务队已停用'],
  [/^visited_on is in the future$/, () => '走访日期不能晚于今天'],
  [/^visited_on is before care began$/, () => '走访日期不能早于开始关爱的日期'],
  [/^cannot \S+: the person is no longer under care$/, () => '此人已结束关爱'],
]

/** The Chinese for a message the services are known to send; null for others. */
function knownMessage(msg: string): string | null {
  for (const [pattern, say] of FIELD_MESSAGES) {
    const match = msg.match(pattern)
    if (match) return say(match)
  }
  return null
}

export function fieldMessage(msg: string): string {
  // Known first: an English sentence may quote a Chinese name.
  return knownMessage(msg) ?? (CJK.test(msg) ? msg : `填写有误（${msg}）`)
}

/** The field a location names: ["body", "resident", "phone"] -> "resident.phone". */
export function fieldOf(loc: (string | number)[]): string | null {
  if (loc[0] !== 'body' || loc.length < 2) return null
  return loc.slice(1).join('.')
}

/** Messages per form field, in Chinese; only fields in `known` (others stay in the toast). */
export function fieldErrors(problem: Problem, known: readonly string[]): Record<string, string> {
  const found: Record<string, string> = {}
  for (const error of problem.errors ?? []) {
    const field = fieldOf(error.loc)
    if (field === null) continue
    const name = known.find((k) => field === k || field.startsWith(`${k}.`))
    if (name && !(name in found)) found[name] = fieldMessage(error.msg)
  }
  return found
}

const BY_STATUS: Record<number, string> = {
  400: '请求有误，请检查填写的内容。',
  401: '登录已失效，请重新登录。',
  403: '您没有权限进行此操作。',
  404: '未找到，或不在您管辖的范围内。',
  409: '操作与当前数据冲突，请刷新后再试。',
  413: '提交的内容过大。',
  422: '填写的内容有误，请按提示修改。',
  429: '操作过于频繁，请稍后再试。',
  502: '服务应答异常，请稍后再试。',
  503: '服务暂时不可用，请稍后再试。',
  504: '服务应答超时，请稍后再试。',
}

// Problems known by their type or detail, said as a whole.
const BY_DETAIL: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/not-yet-known$/, () => '刚登记的服务队或志愿者还未同步到活动服务，请稍后再提交。'],
  [/^cannot (verify|void|correct) an activity that is (logged|verified|voided)$/, (m) =>
    `该活动${{ logged: '尚未核实', verified: '已核实', voided: '已作废' }[m[2]]}，不能再${{ verify: '核实', void: '作废', correct: '更正' }[m[1]]}。`],
  [/^the volunteer is already deactivated$/, () => '该志愿者已停用。'],
  [/^another change crossed this one/, () => '有人同时修改了这条记录，本次未保存，请刷新后再试。'],
  [/^the CSV is larger than/, () => '文件过大，请拆分成几个文件分别导入。'],
]

/** One Chinese sentence for a problem, for ElMessage. */
export function problemMessage(problem: Problem): string {
  // A conflict or refusal the services are known to send, said as such.
  const known = problem.detail && !problem.errors?.length ? knownMessage(problem.detail) : null
  if (known) return `${known}。`
  // A booking refused for a taken time names the resource (often in Chinese) and the time.
  const taken = takenMessage(problem.detail)
  if (taken) return taken
  if (problem.detail && CJK.test(problem.detail)) return problem.detail
  for (const [pattern, say] of BY_DETAIL) {
    const match = (problem.type ?? '').match(pattern) ?? (problem.detail ?? '').match(pattern)
    if (match) return say(match)
  }
  const base = BY_STATUS[problem.status] ?? (problem.status >= 500
    ? '服务出错了，请稍后再试或联系管理员。'
    : `请求未成功（${problem.status}）。`)
  const fields = (problem.errors ?? []).map((e) => fieldMessage(e.msg))
  return fields.length ? `${base.replace(/。$/, '')}：${[...new Set(fields)].join('；')}。` : base
}

/** Thrown by `call` when a service answers with an error. */
export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problemMessage(problem))
    this.name = 'ApiError'
  }
}
