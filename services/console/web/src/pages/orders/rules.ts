// The requests service's rules for an order taken at the desk (services/requests/schemas.py
// RequestIn), in Chinese: each field's hint shown beside it, and the same checks before sending.
import type { Problem } from '../../api/problem'

export interface OrderDraft extends Record<string, unknown> {
  community_id: string
  channel: 'walk_in' | 'phone'
  resident_name: string
  resident_phone: string
  resident_address: string
  service_kind: string
  description: string
  mode: 'door_to_door' | 'centralized'
  urgency: 'normal' | 'urgent'
  paid: boolean
  price: number | null
}

export function blankOrder(community = ''): OrderDraft {
  return {
    community_id: community,
    channel: 'walk_in',
    resident_name: '',
    resident_phone: '',
    resident_address: '',
    service_kind: '',
    description: '',
    mode: 'door_to_door',
    urgency: 'normal',
    paid: false,
    price: null,
  }
}

export const HINTS: Record<keyof OrderDraft & string, string> = {
  community_id: '必选：居民所在的社区（您管辖范围内）。',
  channel: '居民来到服务中心窗口，或打来电话。',
  resident_name: '必填，1–50 个字。',
  resident_phone: '必填，5–15 位数字，可带 +；空格、横线、括号会被去掉。只对本社区管理员完整显示。',
  resident_address: '可不填；不超过 200 个字，上门服务请写清楼栋门牌。',
  service_kind: '必选：服务类型决定派给哪种颜色的服务队（社区里该颜色工单最少的服务队）。',
  description: '必填，1–2000 个字：需要什么帮助、什么时间方便。',
  mode: '上门服务，或到服务中心集中办理。',
  urgency: '紧急工单须在 4 小时内办结，普通工单 72 小时（县里设定的默认时限）。',
  paid: '低偿/有偿服务才打开。',
  price: '仅有偿服务填写；0–1,000,000 元。',
}

export const PHONE = /^\+?\d{5,15}$/

/** What is wrong with one field of the draft, in Chinese; null when it is fine. */
export function checkOrderField(field: keyof OrderDraft, draft: OrderDraft): string | null {
  switch (field) {
    case 'community_id':
      return draft.community_id ? null : '请选择社区'
    case 'resident_name': {
      const name = draft.resident_name.trim()
      if (!name) return '请填写居民姓名'
      return name.length > 50 ? '姓名不能超过 50 个字' : null
    }
    case 'resident_phone': {
      if (!draft.resident_phone.trim()) return '请填写联系电话'
      const digits = draft.resident_phone.replace(/[\s\-()]/g, '')
      return PHONE.test(digits) ? null : '电话应为 5–15 位数字，可带 +'
    }
    case 'resident_address':
      return draft.resident_address.trim().length > 200 ? '地址不能超过 200 个字' : null
    case 'service_kind':
      return draft.service_kind ? null : '请选择服务类型'
    case 'description': {
      const text = draft.description.trim()
      if (!text) return '请填写需求描述'
      return text.length > 2000 ? '需求描述不能超过 2000 个字' : null
    }
    case 'price': {
      if (draft.price === null) return null
      if (!draft.paid) return '只有有偿服务才填写价格'
      return draft.price < 0 || draft.price > 1_000_000 ? '价格应在 0–1,000,000 元之间' : null
    }
    default:
      return null
  }
}

/** The POST /requests body: the resident nested, empty optional fields left out. */
export function orderBody(draft: OrderDraft) {
  return {
    community_id: draft.community_id,
    channel: draft.channel,
    resident: {
      name: draft.resident_name.trim(),
      phone: draft.resident_phone.trim(),
      address: draft.resident_address.trim() || null,
    },
    service_kind: draft.service_kind,
    description: draft.description.trim(),
    mode: draft.mode,
    urgency: draft.urgency,
    paid: draft.paid,
    price: draft.paid && draft.price !== null ? draft.price : null,
  }
}

/** The service names the resident's fields `resident.name`; the form names them `resident_name`. */
export function flattenResident(problem: Problem): Problem {
  if (!problem.errors) return problem
  return {
    ...problem,
    errors: problem.errors.map((e) =>
      e.loc[0] === 'body' && e.loc[1] === 'resident' && typeof e.loc[2] === 'string'
        ? { ...e, loc: ['body', `resident_${e.loc[2]}`, ...e.loc.slice(3)] }
        : e,
    ),
  }
}

export const NOTE_MAX = 2000
export const COMMENT_MAX = 200
export const REASON_MAX = 500

/** A cancel reason is 1–500 characters once trimmed. */
export function checkReason(reason: string): string | null {
  const text = reason.trim()
  if (!text) return '请填写取消原因'
  return text.length > REASON_MAX ? `取消原因不能超过 ${REASON_MAX} 个字` : null
}

/** A referenced record (the community) has not reached the requests service yet: retry. */
export function isNotYetKnown(problem: Problem): boolean {
  return problem.status === 422 && (problem.type ?? '').endsWith('/not-yet-known')
}
