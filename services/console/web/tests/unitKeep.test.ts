import { flushPromises } from '@vue/test-utils'
import { describe, expect, it, vi } from 'vitest'
import { reactive } from 'vue'
import { teamUnitChoices } from '../src/pages/units/choices'
import { useUnitChoices } from '../src/pages/units/useUnits'

// The registry's answer to GET /resident-units: two units of 龙泉, one of 新华.
vi.mock('../src/api/client', () => ({
  registry: { GET: vi.fn() },
  call: vi.fn(async () => ({
    items: [
      { id: 'u1', community_id: 'longquan', name: '县医院' },
      { id: 'u2', community_id: 'longquan', name: '供电所' },
      { id: 'u3', community_id: 'xinhua', name: '邮政局' },
    ],
  })),
}))

describe("a record's unit among its choices", () => {
  function teamDraft(community: string, unit: string, known = () => true) {
    const draft = reactive({ community_id: community, unit_id: unit })
    const choices = useUnitChoices(draft, (units) => teamUnitChoices(units, draft.community_id), known)
    return { draft, choices }
  }

  it("offers the community's units and keeps one of them", async () => {
    const { draft, choices } = teamDraft('longquan', 'u1')
    await flushPromises()
    expect(choices.value.map((c) => c.id)).toEqual(['u2', 'u1']) // by name
    expect(draft.unit_id).toBe('u1')
  })

  it('drops the unit once the units are read, when it is not offered', async () => {
    const { draft } = teamDraft('longquan', 'u3')
    expect(draft.unit_id).toBe('u3') // not yet known
    await flushPromises()
    expect(draft.unit_id).toBe('')
  })

  it('drops the unit when the community changes', async () => {
    const { draft, choices } = teamDraft('longquan', 'u1')
    await flushPromises()
    draft.community_id = 'xinhua'
    await flushPromises()
    expect(choices.value.map((c) => c.id)).toEqual(['u3'])
    expect(draft.unit_id).toBe('')
  })

  it('keeps the unit while what the choices depend on is not known yet', async () => {
    const { draft } = teamDraft('longquan', 'u3', () => false)
    await flushPromises()
    expect(draft.unit_id).toBe('u3')
  })
})
