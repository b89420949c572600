import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import {
  DEFAULT_LIMIT,
  readListQuery,
  sortOfTable,
  tableSortOf,
  useListQuery,
  writeListQuery,
  type Sorting,
} from '../src/composables/useListQuery'

const DEFAULTS = { community_id: '', q: '', is_party_member: '' }
const SORTING: Sorting = { default: '-started_at', allowed: ['started_at', '-started_at', 'hours', '-hours'] }

describe('list state in the URL query', () => {
  it('reads filters, cursor and page size, ignoring what it does not know', () => {
    const state = readListQuery(
      { community_id: 'longquan', q: '王', cursor: 'abc', limit: '50', other: 'x' },
      DEFAULTS,
    )
    expect(state).toEqual({
      filters: { community_id: 'longquan', q: '王', is_party_member: '' },
      sort: '',
      cursor: 'abc',
      limit: 50,
    })
  })

  it('defaults a bad or missing page size and takes the first of repeated keys', () => {
    expect(readListQuery({ limit: '7' }, DEFAULTS).limit).toBe(DEFAULT_LIMIT)
    expect(readListQuery({ q: ['a', 'b'] }, DEFAULTS).filters.q).toBe('a')
    expect(readListQuery({}, DEFAULTS)).toEqual({ filters: DEFAULTS, sort: '', cursor: null, limit: DEFAULT_LIMIT })
  })

  it('writes only what differs from the defaults, trimmed', () => {
    expect(
      writeListQuery(
        { filters: { community_id: '', q: ' 王芳 ', is_party_member: 'true' }, sort: '', cursor: null, limit: DEFAULT_LIMIT },
        DEFAULTS,
      ),
    ).toEqual({ q: '王芳', is_party_member: 'true' })
    expect(writeListQuery({ filters: DEFAULTS, sort: '', cursor: 'c1', limit: 100 }, DEFAULTS)).toEqual({ cursor: 'c1', limit: '100' })
  })

  it('round-trips', () => {
    const state = { filters: { community_id: 'x', q: '5678', is_party_member: 'false' }, sort: '', cursor: 'c', limit: 50 }
    const query = writeListQuery(state, DEFAULTS) as Record<string, string>
    expect(readListQuery(query, DEFAULTS)).toEqual(state)
  })
})

describe('the order in the URL query', () => {
  it('reads an offered sort, else the default; a list without sorting has none', () => {
    expect(readListQuery({ sort: 'hours' }, DEFAULTS, SORTING).sort).toBe('hours')
    expect(readListQuery({}, DEFAULTS, SORTING).sort).toBe('-started_at')
    expect(readListQuery({ sort: 'password' }, DEFAULTS, SORTING).sort).toBe('-started_at')
    expect(readListQuery({ sort: ['-hours', 'hours'] }, DEFAULTS, SORTING).sort).toBe('-hours')
    expect(readListQuery({ sort: 'hours' }, DEFAULTS).sort).toBe('')
  })

  it('writes the sort unless it is the default, before the cursor', () => {
    const state = { filters: { ...DEFAULTS, q: '王' }, sort: 'started_at', cursor: 'eyJ9', limit: DEFAULT_LIMIT }
    const query = writeListQuery(state, DEFAULTS, SORTING)
    expect(query).toEqual({ q: '王', sort: 'started_at', cursor: 'eyJ9' })
    expect(Object.keys(query)).toEqual(['q', 'sort', 'cursor'])
    expect(readListQuery(query as Record<string, string>, DEFAULTS, SORTING)).toEqual(state)
    expect(writeListQuery({ ...state, sort: '-started_at' }, DEFAULTS, SORTING)).toEqual({ q: '王', cursor: 'eyJ9' })
  })

  it("maps the API's sort to el-table's and back", () => {
    expect(tableSortOf('-started_at')).toEqual({ prop: 'started_at', order: 'descending' })
    expect(tableSortOf('hours')).toEqual({ prop: 'hours', order: 'ascending' })
    expect(tableSortOf('')).toBeUndefined()
    expect(sortOfTable({ prop: 'hours', order: 'descending' }, SORTING)).toBe('-hours')
    expect(sortOfTable({ prop: 'started_at', order: 'ascending' }, SORTING)).toBe('started_at')
    expect(sortOfTable({ prop: 'started_at', order: null }, SORTING)).toBeNull()
    expect(sortOfTable({ prop: 'title', order: 'ascending' }, SORTING)).toBeNull()
    expect(sortOfTable({ prop: null, order: 'ascending' }, SORTING)).toBeNull()
  })
})

describe('useListQuery with an order', () => {
  async function mounted(path: string) {
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: { render: () => null } }] })
    await router.push(path)
    let list!: ReturnType<typeof useListQuery<typeof DEFAULTS>>
    const shown: [string, string][] = []
    const Page = defineComponent({
      setup() {
        list = useListQuery(DEFAULTS, SORTING)
        // What el-table would show: its `sort` reports the change back, as el-table does.
        list.table.value = {
          sort: (prop, order) => {
            shown.push([prop, order])
            list.sortChanged({ prop, order })
          },
          clearSort: () => shown.push(['', '']),
        }
        return () => h(RouterView)
      },
    })
    const wrapper = mount(Page, { global: { plugins: [router] } })
    await router.isReady()
    return { router, list: () => list, shown, wrapper }
  }

  it('a new order starts again at the first page and keeps the filters', async () => {
    const { router, list } = await mounted('/list?q=%E7%8E%8B&cursor=abc&limit=50')
    expect(list().applied.value.sort).toBe('-started_at')
    expect(list().tableSort.value).toEqual({ prop: 'started_at', order: 'descending' })
    list().sortChanged({ prop: 'hours', order: 'ascending' })
    await flush()
    expect(router.currentRoute.value.query).toEqual({ q: '王', sort: 'hours', limit: '50' })
    expect(list().applied.value).toMatchObject({ sort: 'hours', cursor: null, limit: 50 })
    // Paging keeps the order; a new search too.
    await list().next('eyJz')
    expect(router.currentRoute.value.query).toEqual({ q: '王', sort: 'hours', cursor: 'eyJz', limit: '50' })
    list().filters.q = '李'
    await list().search()
    expect(router.currentRoute.value.query).toEqual({ q: '李', sort: 'hours', limit: '50' })
  })

  it('a cleared column goes back to the default order and shows its arrow', async () => {
    const { router, list, shown } = await mounted('/list?sort=hours')
    list().sortChanged({ prop: 'hours', order: null })
    await flush()
    expect(router.currentRoute.value.query).toEqual({})
    expect(shown).toEqual([['started_at', 'descending']])
    // Clearing the default column itself changes nothing but the arrow, shown again.
    list().sortChanged({ prop: 'started_at', order: null })
    await flush()
    expect(router.currentRoute.value.query).toEqual({})
    expect(shown).toEqual([
      ['started_at', 'descending'],
      ['started_at', 'descending'],
    ])
  })

  it('going back in history shows the order of that address', async () => {
    const { router, list, shown } = await mounted('/list')
    list().sortChanged({ prop: 'hours', order: 'descending' })
    await flush()
    expect(router.currentRoute.value.query).toEqual({ sort: '-hours' })
    expect(shown).toEqual([]) // the person's click: the table shows it already
    await router.push('/list?sort=started_at')
    await flush()
    expect(shown).toEqual([['started_at', 'ascending']])
    expect(list().applied.value.sort).toBe('started_at')
  })
})

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    await nextTick()
  }
}
